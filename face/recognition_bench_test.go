package face

import (
	"testing"

	"github.com/hirebus/hirebus/face/nn"
)

// BenchmarkDescriptor times the recognition net on one golden 150×150 crop
// (the figure the goals are stated in: run with -cpu 1,2). The
// portable variant shows what the pure-Go fallback costs.
func BenchmarkDescriptor(b *testing.B) {
	net := loadRec(b)
	c := loadRecCrops(b)[0]
	rgb := rgbTensor(c.img).Data
	for _, mode := range []struct {
		name     string
		portable bool
	}{{"asm", false}, {"portable", true}} {
		if !mode.portable && !nn.UsingAssembly() {
			continue
		}
		b.Run(mode.name, func(b *testing.B) {
			nn.ForcePortable(mode.portable)
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
