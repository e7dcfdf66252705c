package capture

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// OpenList opens a -R list file: one capture path per line, lines starting
// with '#' and empty lines skipped, CR/LF trimmed. Every entry is checked
// up front like T2 does (open, non-empty, pcap/pcapng magic); bad entries
// are skipped with a Warn carrying T2's error text. The valid files are
// read in order as one packet stream.
func OpenList(listPath string, o Options) (Source, error) {
	lf, err := os.Open(listPath)
	if err != nil {
		return nil, &FileError{File: listPath, Reason: ErrOpen, Err: err}
	}
	defer lf.Close()
	type entry struct {
		path string
		size int64
	}
	var files []entry
	var total int64
	sc := bufio.NewScanner(lf)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		of, err := openCapture(line, &o)
		if err != nil {
			o.warn(err.Error())
			continue
		}
		of.close()
		files = append(files, entry{line, of.size})
		total += of.size
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("'%s' is not a valid list of PCAP files: %w", listPath, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("No valid files found in %s", listPath)
	}
	s := &fileSource{o: o, filter: newFilterSet(o.BPF)}
	s.info = Info{Kind: KindList, Name: listPath, FileCount: len(files), TotalSize: total}
	next := 0
	s.nextFile = func() (*openedFile, error) {
		for next < len(files) {
			e := files[next]
			next++
			of, err := openCapture(e.path, &s.o)
			if err != nil {
				// The file changed since the check: skip it like a bad entry.
				s.o.warn(err.Error())
				continue
			}
			of.index = next
			return of, nil
		}
		return nil, io.EOF
	}
	// Open the first file now so Info and a bad filter are known at once.
	of, err := s.nextFile()
	if err != nil {
		return nil, fmt.Errorf("No valid files found in %s", listPath)
	}
	if s.filter != nil {
		if _, err := s.filter.prog(of.r.linkType); err != nil {
			of.close()
			return nil, err
		}
	}
	s.setFile(of)
	s.announce()
	return s, nil
}
