package l2

import "errors"

// Errors returned by SetDesired, wrapped with the address concerned.
var (
	// ErrInvalidAddress: the address cannot be a virtual address (invalid,
	// zoned, IPv4-mapped, unspecified, loopback, multicast or link-local).
	ErrInvalidAddress = errors.New("not a usable virtual address")
	// ErrNoInterface: no interface is suitable to answer for the address, so
	// nobody on the link will learn that this node owns it.
	ErrNoInterface = errors.New("no suitable interface")
	// ErrClosed: the Announcer was closed.
	ErrClosed = errors.New("announcer closed")
)
