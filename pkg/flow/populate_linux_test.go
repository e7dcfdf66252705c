package flow

import (
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The table populates a registered array's pages ahead of its
// high-water mark, leaves the pages far beyond it untouched, and changes
// no data.
func TestPerSlotPopulatesAheadOfHighWater(t *testing.T) {
	const capacity = 1 << 17
	const perSlot = 64
	page := unix.Getpagesize()
	mem, err := unix.Mmap(-1, 0, capacity*perSlot, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer unix.Munmap(mem)
	tb := newTable(capacity, sec(60), false)
	PerSlot(tb, mem) // 64 bytes a slot
	mem[5*perSlot] = 42

	resident := func(slot int) bool {
		off := slot * perSlot &^ (page - 1)
		vec := make([]byte, 1)
		_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[off])), uintptr(page), uintptr(unsafe.Pointer(&vec[0])))
		if errno != 0 {
			t.Fatalf("mincore: %v", errno)
		}
		return vec[0]&1 != 0
	}
	wait := func() {
		deadline := time.Now().Add(10 * time.Second)
		for tb.populating.Load() {
			if time.Now().After(deadline) {
				t.Fatal("populating goroutine did not finish")
			}
			time.Sleep(time.Millisecond)
		}
	}
	if resident(populateMin - 1) {
		t.Skip("fresh anonymous memory is already resident here")
	}

	n := 0
	create := func(upto int) {
		for ; n < upto; n++ {
			k := key(byte(n), byte(n>>8), uint16(n>>16), 80)
			tb.Create(&k, sec(1))
		}
	}
	create(1)
	wait()
	if !resident(populateMin - 1) {
		t.Fatalf("slot %d not populated after the first flow", populateMin-1)
	}
	if resident(8 * populateMin) {
		t.Fatalf("slot %d populated after the first flow", 8*populateMin)
	}
	// The step grows with the slots in use, up to populateAhead; a
	// populate skipped while one ran is retried by a later flow.
	const flows = 20000
	for n < flows {
		create(n + 100)
		wait()
	}
	if !resident(flows + populateAhead/2 - 64) {
		t.Fatalf("slot %d not populated after %d flows", flows+populateAhead/2-64, n)
	}
	if resident(flows + 2*populateAhead) {
		t.Fatalf("slot %d populated, beyond the step after %d flows", flows+2*populateAhead, n)
	}
	if mem[5*perSlot] != 42 {
		t.Fatal("populating changed the data")
	}
}
