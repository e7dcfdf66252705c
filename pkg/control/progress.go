package control

import (
	"fmt"
	"time"
)

// progress draws a one-line progress bar on stderr while a capture file is
// read (PROGRESS=1 and stderr is a terminal): what T2 only tells on USR1.
type progress struct {
	r     *Run
	last  time.Time
	shown bool
}

const progressEvery = 200 * time.Millisecond

// progressUpdate is called once per batch, not per packet.
func (r *Run) progressUpdate() {
	if r.prog == nil {
		if !r.cfg.progress || !r.opt.StderrTTY || r.opt.InputKind == InputLive || r.src == nil {
			return
		}
		r.prog = &progress{r: r}
	}
	now := time.Now()
	if now.Sub(r.prog.last) < progressEvery {
		return
	}
	r.prog.last = now
	r.prog.draw(now)
}

func (p *progress) draw(now time.Time) {
	r := p.r
	c := r.eng.Counters()
	in := r.src.Info()
	done := 24*uint64(max(in.Files, 1)) + c.BytesProcessed + 16*c.Packets
	el := now.Sub(r.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(c.Packets) / el
	}
	line := fmt.Sprintf("\r%d packets, %.1f MB, %.0f pkt/s", c.Packets, float64(done)/1e6, rate)
	if in.TotalSize > 0 {
		f := float64(done) / float64(in.TotalSize)
		if f > 1 {
			f = 1
		}
		const width = 30
		n := int(f * width)
		bar := make([]byte, width)
		for i := range bar {
			if i < n {
				bar[i] = '#'
			} else {
				bar[i] = ' '
			}
		}
		eta := 0.0
		if f > 0 {
			eta = el * (1 - f) / f
		}
		line = fmt.Sprintf("\r[%s] %5.1f%% %s, ETA %.0fs", bar, 100*f, line[1:], eta)
	}
	fmt.Fprint(r.opt.Stderr, line+"\x1b[K")
	p.shown = true
}

// clear removes the bar before a report is printed; the next batch draws
// it again, below the report.
func (p *progress) clear() {
	if p != nil && p.shown {
		p.shown = false
		p.last = time.Time{}
		fmt.Fprint(p.r.opt.Stderr, "\r\x1b[K")
	}
}
