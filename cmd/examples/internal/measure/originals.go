package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"time"
)

// blockSize is the size of the generated block an original repeats.
const blockSize = 1 << 20

var modTime = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)

// text is a block of log-like lines, a quarter of them holding personal
// data of every kind redact masks, the rest numbers and words it must
// leave alone.
func text(rng *rand.Rand) []byte {
	var b bytes.Buffer
	for b.Len() < blockSize-200 {
		n := rng.IntN(1000000)
		switch rng.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "order %d by user%d@mail%d.example.com, phone 1%d%09d\n", n, n, n%97, 3+n%7, n)
		case 1:
			fmt.Fprintf(&b, "paid %d.%02d with card %s, id %s\n", n%1000, n%100, card(rng), id(rng))
		default:
			fmt.Fprintf(&b, "2026-12-07T10:%02d:%02dZ request %d served in %d ms, %d bytes, status 200, lorem ipsum dolor sit amet\n",
				n%60, n%59, n, n%900, n*7)
		}
	}
	return b.Bytes()
}

// card is a 16-digit number that passes the Luhn check, in groups of 4.
func card(rng *rand.Rand) string {
	d := make([]int, 16)
	d[0] = 4
	for i := 1; i < 15; i++ {
		d[i] = rng.IntN(10)
	}
	sum := 0
	for i := 14; i >= 0; i-- {
		v := d[i]
		if (14-i)%2 == 0 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	d[15] = (10 - sum%10) % 10
	return fmt.Sprintf("%d%d%d%d %d%d%d%d %d%d%d%d %d%d%d%d", d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15])
}

// id is a resident identity number with its right check character.
func id(rng *rand.Rand) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	s := fmt.Sprintf("110105%04d%02d%02d%03d", 1950+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(1000))
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return s + string("10X98765432"[sum%11])
}

const csvHeader = "id,name,email,phone,city,amount,note\n"

// rows is a block of CSV rows, some quoted, matching csvHeader.
func rows(rng *rand.Rand) []byte {
	cities := []string{"Hangzhou", "Shanghai", "Beijing", "Zürich", "杭州", `"Paris, France"`}
	var b bytes.Buffer
	for b.Len() < blockSize-200 {
		n := rng.IntN(1000000)
		fmt.Fprintf(&b, "%d,User %d,user%d@example.com,1%d%09d,%s,%d.%02d,\"said \"\"hi\"\"\"\n",
			n, n, n, 3+n%7, n, cities[n%len(cities)], n%1000, n%100)
	}
	return b.Bytes()
}

// photo is a w×h JPEG of smooth colours and fine texture, as a photo
// has.
func photo(w, h int) ([]byte, error) {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			img.Y[y*img.YStride+x] = uint8(x*200/w + (x*y)%37)
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(i%251), uint8(i%241)
	}
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	return b.Bytes(), err
}

// gzipFile writes size bytes of repeated block, gzipped, to a file in
// dir and returns its name.
func gzipFile(dir string, block []byte, size int64) (string, error) {
	f, err := os.CreateTemp(dir, "measure-*.gz")
	if err != nil {
		return "", err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	_, err = io.Copy(zw, &repeat{block: block, size: size})
	for _, step := range []func() error{zw.Close, bw.Flush, f.Close} {
		if e := step(); err == nil {
			err = e
		}
	}
	return f.Name(), err
}

// repeat reads block again and again, size bytes in all.
type repeat struct {
	head  []byte // read first, once
	block []byte
	size  int64
	off   int64
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.size-r.off)]
	var n int
	if r.off < int64(len(r.head)) {
		n = copy(p, r.head[r.off:])
	} else {
		n = copy(p, r.block[(r.off-int64(len(r.head)))%int64(len(r.block)):])
	}
	r.off += int64(n)
	return n, nil
}

// originals is the fs.FS the access point serves: generated objects,
// streamed without being held, and files.
type originals map[string]func() (fs.File, error)

func (o originals) Open(name string) (fs.File, error) {
	if open, ok := o[name]; ok {
		return open()
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// generated is one generated object, open.
type generated struct {
	repeat
	name string
}

func (g *generated) Stat() (fs.FileInfo, error) { return g, nil }
func (g *generated) Close() error               { return nil }
func (g *generated) Name() string               { return g.name }
func (g *generated) Size() int64                { return g.size }
func (g *generated) Mode() fs.FileMode          { return 0o444 }
func (g *generated) ModTime() time.Time         { return modTime }
func (g *generated) IsDir() bool                { return false }
func (g *generated) Sys() any                   { return nil }

// object makes a generated object: head, then block repeated, size bytes
// in all.
func object(name string, head, block []byte, size int64) func() (fs.File, error) {
	return func() (fs.File, error) {
		return &generated{repeat: repeat{head: head, block: block, size: size}, name: name}, nil
	}
}
