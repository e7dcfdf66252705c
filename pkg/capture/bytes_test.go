package capture

import (
	"bytes"
	"io"
)

// newBytesSource reads a capture held in memory (tests and fuzzing).
func newBytesSource(data []byte, name string) (Source, error) {
	r, err := newReader(bytes.NewReader(data), name, nil)
	if err != nil {
		return nil, err
	}
	fs := &fileSource{o: Options{MaxBytes: 64 << 10}, info: Info{Kind: KindFile, Name: name, FileCount: 1, TotalSize: int64(len(data))}}
	fs.setFile(&openedFile{r: r, size: int64(len(data)), name: name})
	fs.nextFile = func() (*openedFile, error) { return nil, io.EOF }
	return fs, nil
}
