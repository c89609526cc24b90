package accesspoint

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// originURL returns inputOssUrl: key's URL under base, presigned with V4 by
// a key only the emulator holds, valid for ttl.
func (s *Server) originURL(base, key string, ttl time.Duration) (string, error) {
	ttl = max(ttl.Round(time.Second), time.Second)
	ttl = min(ttl, 7*24*time.Hour)
	u := base + (&url.URL{Path: "/" + key}).EscapedPath()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	return sign.Presign(req, &sign.Options{
		Credentials: s.origin,
		Region:      s.cfg.Region,
		Key:         key,
		Time:        time.Now(),
		Expires:     ttl,
	})
}

func (s *Server) isOriginRead(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has(sign.QuerySignature) &&
		strings.HasPrefix(q.Get(sign.QueryCredential), s.origin.AccessKeyID+"/")
}

// serveOrigin serves the original object, with Range and conditional
// requests when it can seek.
func (s *Server) serveOrigin(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	key := strings.TrimPrefix(r.URL.Path, "/")
	_, err := sign.Verify(r, &sign.VerifyOptions{
		Region: s.cfg.Region,
		Key:    key,
		Now:    time.Now(),
		Lookup: func(id string) (sign.Credentials, bool) {
			return s.origin, id == s.origin.AccessKeyID
		},
	})
	if err != nil {
		s.log.Info("origin read refused", "request_id", requestID, "key", key, "error", err)
		writeError(w, r, requestID, fromVerifyError(err))
		return
	}
	f, info, err := s.open(key)
	if err != nil {
		s.log.Info("origin read", "request_id", requestID, "key", key, "error", err)
		writeError(w, r, requestID, newError(http.StatusNotFound, CodeNoSuchKey, "The specified key does not exist."))
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok { // an fs.FS file that cannot seek
		b, err := io.ReadAll(f)
		if err != nil {
			writeError(w, r, requestID, newError(http.StatusInternalServerError, CodeInternalError, "The object could not be read."))
			return
		}
		rs = bytes.NewReader(b)
	}
	// ETag and Last-Modified as OSS's GetObject ("Common HTTP headers": an
	// object uploaded whole has the upper-case hex MD5, quoted).
	sum := md5.New()
	if _, err := io.Copy(sum, rs); err != nil {
		writeError(w, r, requestID, newError(http.StatusInternalServerError, CodeInternalError, "The object could not be read."))
		return
	}
	w.Header().Set(oss.HeaderRequestID, requestID)
	w.Header().Set("ETag", `"`+strings.ToUpper(hex.EncodeToString(sum.Sum(nil)))+`"`)
	http.ServeContent(w, r, info.Name(), info.ModTime(), rs) // seeks back to the start
}

var errNoSuchKey = errors.New("no such key")

// open opens the regular file key; anything else does not exist and is
// never opened in a way that could block: stat first, so that a FIFO is
// never opened; in ObjectsDir, through os.Root (which refuses a path out
// of it), non-blocking (a FIFO swapped in cannot block), and the same file
// checked again.
func (s *Server) open(key string) (fs.File, fs.FileInfo, error) {
	if !fs.ValidPath(key) || key == "." || s.cfg.ObjectsDir == "" && s.cfg.Objects == nil {
		return nil, nil, errNoSuchKey
	}
	var before fs.FileInfo
	var f fs.File
	var err error
	if s.cfg.ObjectsDir != "" {
		root, rerr := os.OpenRoot(s.cfg.ObjectsDir)
		if rerr != nil {
			return nil, nil, rerr
		}
		defer root.Close() // the file stays open on its own
		if before, err = root.Stat(key); regular(before, err) {
			f, err = root.OpenFile(key, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		}
	} else if before, err = fs.Stat(s.cfg.Objects, key); regular(before, err) {
		f, err = s.cfg.Objects.Open(key)
	}
	if f == nil || err != nil {
		return nil, nil, errNoSuchKey
	}
	info, err := f.Stat()
	if !regular(info, err) || s.cfg.ObjectsDir != "" && !os.SameFile(before, info) {
		f.Close()
		return nil, nil, errNoSuchKey
	}
	return f, info, nil
}

func regular(info fs.FileInfo, err error) bool { return err == nil && info.Mode().IsRegular() }
