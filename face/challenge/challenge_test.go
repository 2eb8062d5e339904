package challenge

import (
	"math"
	"testing"

	"github.com/hirebus/hirebus/face"
)

// synthLandmarks is a 68-point face on a 100×100 box: yaw shifts the nose
// (degrees, > 0 = the person's left = image right), open is the eyes'
// aspect ratio.
func synthLandmarks(yaw, open float64) [][2]float64 {
	pts := make([][2]float64, 68)
	for i := 0; i <= 16; i++ { // jaw from image left to right through the chin
		a := math.Pi * float64(i) / 16
		pts[i] = [2]float64{50 - 50*math.Cos(a), 40 + 60*math.Sin(a)}
	}
	noseX := 50 + 50*math.Tan(yaw*math.Pi/180)
	for i := 27; i <= 35; i++ {
		pts[i] = [2]float64{noseX, 30 + float64(i-27)*3}
	}
	pts[30] = [2]float64{noseX, 40 + 0.385*60}
	eye := func(o int, cx float64) {
		h := open * 20 // EAR = (2·h)/(2·20) with corners 20 apart
		pts[o+0] = [2]float64{cx - 10, 40}
		pts[o+1] = [2]float64{cx - 4, 40 - h/2}
		pts[o+2] = [2]float64{cx + 4, 40 - h/2}
		pts[o+3] = [2]float64{cx + 10, 40}
		pts[o+4] = [2]float64{cx + 4, 40 + h/2}
		pts[o+5] = [2]float64{cx - 4, 40 + h/2}
	}
	eye(36, 30)
	eye(42, 70)
	for i := 48; i < 68; i++ {
		pts[i] = [2]float64{50, 80}
	}
	return pts
}

// frame measures a synthetic face the way the worker measures a real one.
func frame(yaw, open float64) *Pose {
	lm := synthLandmarks(yaw, open)
	y, _ := face.HeadPose(lm)
	return &Pose{Yaw: y, EAR: face.EyeAspectRatio(lm)}
}

func TestHeadPoseAndEAR(t *testing.T) {
	for _, tc := range []struct{ yaw, open float64 }{{0, 0.3}, {25, 0.3}, {-30, 0.3}, {0, 0.05}} {
		lm := synthLandmarks(tc.yaw, tc.open)
		y, p := face.HeadPose(lm)
		if ear := face.EyeAspectRatio(lm); math.Abs(y-tc.yaw) > 0.5 || math.Abs(p) > 0.5 || math.Abs(ear-tc.open) > 1e-9 {
			t.Errorf("yaw %v open %v: measured yaw %v pitch %v ear %v", tc.yaw, tc.open, y, p, ear)
		}
	}
	if y, p := face.HeadPose(nil); y != 0 || p != 0 || face.EyeAspectRatio(make([][2]float64, 5)) != 0 {
		t.Error("fewer than 68 points must measure zero")
	}
}

func TestCheck(t *testing.T) {
	still := []*Pose{frame(0, 0.3), frame(0, 0.3), frame(0, 0.3), frame(0, 0.3), frame(0, 0.3)}
	for _, tc := range []struct {
		name   string
		steps  []Step
		frames []*Pose
		ok     bool
	}{
		{"blink", []Step{StepBlink}, []*Pose{frame(0, 0.3), frame(0, 0.3), frame(0, 0.08), frame(0, 0.3)}, true},
		{"blink by relative drop", []Step{StepBlink}, []*Pose{frame(0, 0.26), frame(0, 0.16)}, true},
		{"blink missing (still photo)", []Step{StepBlink}, still, false},
		{"half-closed is no blink", []Step{StepBlink}, []*Pose{frame(0, 0.3), frame(0, 0.24), frame(0, 0.3)}, false},
		{"turn left", []Step{StepTurnLeft}, []*Pose{frame(0, 0.3), frame(12, 0.3), frame(28, 0.3)}, true},
		{"turn left, but turned right", []Step{StepTurnLeft}, []*Pose{frame(0, 0.3), frame(-28, 0.3)}, false},
		{"turn left too little", []Step{StepTurnLeft}, []*Pose{frame(0, 0.3), frame(14, 0.3)}, false},
		{"turn left missing (still photo)", []Step{StepTurnLeft}, still, false},
		{"turn right", []Step{StepTurnRight}, []*Pose{frame(0, 0.3), frame(-30, 0.3)}, true},
		{"turn right, but turned left", []Step{StepTurnRight}, []*Pose{frame(0, 0.3), frame(30, 0.3)}, false},
		{"turn right missing (still photo)", []Step{StepTurnRight}, still, false},
		{"sequence in order", []Step{StepBlink, StepTurnRight}, []*Pose{frame(0, 0.3), frame(0, 0.05), frame(0, 0.3), frame(-30, 0.3)}, true},
		{"sequence out of order", []Step{StepBlink, StepTurnRight}, []*Pose{frame(0, 0.3), frame(-30, 0.3), frame(0, 0.05)}, false},
		{"one frame cannot do two steps", []Step{StepTurnLeft, StepTurnLeft}, []*Pose{frame(0, 0.3), frame(30, 0.3)}, false},
		{"baseline turned away", []Step{StepTurnLeft}, []*Pose{frame(25, 0.3), frame(45, 0.3)}, false},
		{"baseline eyes closed", []Step{StepBlink}, []*Pose{frame(0, 0.05), frame(0, 0.05)}, false},
		{"frames without a face are skipped", []Step{StepTurnLeft}, []*Pose{nil, frame(0, 0.3), nil, frame(30, 0.3)}, true},
		{"no faces", []Step{StepBlink}, []*Pose{nil, nil}, false},
		{"no steps", nil, still, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := Check(tc.steps, tc.frames)
			if ok != tc.ok {
				t.Fatalf("ok = %v (%s), want %v", ok, reason, tc.ok)
			}
			if !ok && reason == "" {
				t.Fatal("a failure needs a reason")
			}
		})
	}
}

func TestRandom(t *testing.T) {
	seen := map[Step]bool{}
	for range 50 {
		c, err := Random(2)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 2 || c[0] == c[1] || !Valid(string(c[0])) || !Valid(string(c[1])) {
			t.Fatalf("challenge %v", c)
		}
		seen[c[0]] = true
	}
	if len(seen) != 3 {
		t.Errorf("first steps seen %v: want all three", seen)
	}
}
