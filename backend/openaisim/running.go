package openaisim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// readHeaderTimeout bounds how long a client may take to send its headers.
const readHeaderTimeout = 10 * time.Second

// Running is a Server listening on a TCP address.
type Running struct {
	listener net.Listener
	http     *http.Server
	cancel   context.CancelFunc // ends every request's context
	done     chan struct{}
	serveErr error

	stopOnce sync.Once
	stopErr  error
}

// Start listens on addr (such as "127.0.0.1:0" for a free loopback port)
// and serves s until the returned Running is shut down.
func (s *Server) Start(addr string) (*Running, error) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for the OpenAI simulator on %s: %w", addr, err)
	}
	base, cancel := context.WithCancel(context.Background())
	r := &Running{
		listener: listener,
		http: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: readHeaderTimeout,
			BaseContext:       func(net.Listener) context.Context { return base },
		},
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go func() {
		defer close(r.done)
		if err := r.http.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
			r.serveErr = fmt.Errorf("serve the OpenAI simulator on %s: %w", listener.Addr(), err)
		}
	}()
	return r, nil
}

// Addr is the address the server listens on.
func (r *Running) Addr() net.Addr {
	return r.listener.Addr()
}

// URL is the base URL of the API, ending in /v1: what go-openai's
// ClientConfig.BaseURL wants. An unspecified listen address (":8090") is
// reached through the loopback address.
func (r *Running) URL() string {
	host, port, err := net.SplitHostPort(r.listener.Addr().String())
	if err != nil {
		return "http://" + r.listener.Addr().String() + "/v1"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/v1"
}

// Done is closed when the server has stopped serving.
func (r *Running) Done() <-chan struct{} {
	return r.done
}

// Shutdown stops accepting requests and waits for those in flight to be
// answered, latency included. When ctx ends first, the requests still in
// flight are abandoned (their contexts end) and Shutdown returns ctx's
// error. It returns the error that stopped serving, if any.
func (r *Running) Shutdown(ctx context.Context) error {
	r.stopOnce.Do(func() {
		err := r.http.Shutdown(ctx)
		r.cancel()
		if err != nil {
			err = fmt.Errorf("shut the OpenAI simulator down: %w", err)
			_ = r.http.Close() // its only error would repeat the one above
		}
		<-r.done
		r.stopErr = errors.Join(err, r.serveErr)
	})
	return r.stopErr
}

// Close abandons the requests in flight (hangs and latencies end at once)
// and stops the server.
func (r *Running) Close() error {
	r.cancel()
	return r.Shutdown(context.Background())
}
