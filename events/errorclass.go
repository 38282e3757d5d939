package events

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"

	"slate"
	"slate/netguard"
)

// ErrorClass is the class of an error from sending a delivery: all that
// the delivery keeps of it. The order matters: a refused address and a
// failed lookup are told apart before anything that times out, and a
// timeout before the connection errors it may wrap.
func ErrorClass(err error) slate.DeliveryErrorClass {
	var blocked *netguard.BlockedError
	var dns *net.DNSError
	var netErr net.Error
	var op *net.OpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &blocked):
		return slate.DeliveryBlockedAddress
	case errors.As(err, &dns):
		return slate.DeliveryDNS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return slate.DeliveryTimeout
	case isTLS(err):
		return slate.DeliveryTLS
	case errors.As(err, &op):
		return slate.DeliveryConnect
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return slate.DeliveryInvalidResponse
	case strings.Contains(err.Error(), "malformed HTTP"):
		// net/http's parse errors of an answer have no type of their own.
		return slate.DeliveryInvalidResponse
	}
	return slate.DeliveryConnect
}

// isTLS reports a failed handshake or a certificate the receiver's name
// does not verify with.
func isTLS(err error) bool {
	var rec tls.RecordHeaderError
	var verify *tls.CertificateVerificationError
	var alert tls.AlertError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true // an alert the receiver sent during the handshake
	}
	return errors.As(err, &rec) || errors.As(err, &verify) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) ||
		strings.Contains(err.Error(), "HTTP response to HTTPS client")
}
