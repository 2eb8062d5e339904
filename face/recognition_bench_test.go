package face

import (
	"testing"

	"github.com/hirebus/hirebus/face/nn"
)

// BenchmarkDescriptor times the recognition net on one golden 150×150 crop
// (the figure the goals are stated in: run with -cpu 1,2), once per
// kernel level the CPU supports; "portable" shows what the pure-Go fallback
// costs.
func BenchmarkDescriptor(b *testing.B) {
	net := loadRec(b)
	c := loadRecCrops(b)[0]
	rgb := rgbTensor(c.img).Data
	for l := nn.SupportedKernel(); l >= nn.KernelPortable; l-- {
		b.Run(l.String(), func(b *testing.B) {
			nn.SetMaxKernel(l)
			defer nn.ForcePortable(false)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := net.DescriptorRGB(rgb); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/face")
		})
	}
}
