package ipam

import (
	"net/netip"
	"slices"
)

// want is a validated Request.
type want struct {
	fams     []Family      // primary, then the secondary for dual-stack policies
	require  bool          // both families or nothing
	explicit [2]netip.Addr // requested address per family (index Family-1), zero if none
}

func (w *want) pinned(f Family) (netip.Addr, bool) {
	e := w.explicit[f-1]
	return e, e.IsValid()
}

// parseRequest validates req and normalises its addresses with Unmap, so a
// 4-in-6 spelling of an IPv4 address means that IPv4 address.
func parseRequest(req Request) (want, error) {
	var w want
	fams := req.Families
	switch {
	case len(fams) == 0 || len(fams) > 2:
		return w, errorf(ErrInvalidRequest, "want one or two IP families, got %d", len(fams))
	case !fams[0].valid() || (len(fams) == 2 && (!fams[1].valid() || fams[1] == fams[0])):
		return w, errorf(ErrInvalidRequest, "invalid IP families %v", fams)
	}
	switch req.Policy {
	case SingleStack:
		if len(fams) == 2 {
			return w, errorf(ErrInvalidRequest, "SingleStack with two IP families %v", fams)
		}
		w.fams = []Family{fams[0]}
	case PreferDualStack, RequireDualStack:
		w.fams = []Family{fams[0], fams[0].other()}
		w.require = req.Policy == RequireDualStack
	default:
		return w, errorf(ErrInvalidRequest, "invalid IP family policy %v", req.Policy)
	}
	for _, e := range req.Addresses {
		if !e.IsValid() || e.Zone() != "" {
			return w, errorf(ErrInvalidRequest, "invalid requested address %q", e)
		}
		e = e.Unmap()
		f := FamilyOf(e)
		switch {
		case !slices.Contains(w.fams, f):
			return w, errorf(ErrInvalidRequest, "requested address %s is %v but the Service is single-stack %v", e, f, w.fams[0])
		case w.explicit[f-1].IsValid() && w.explicit[f-1] != e:
			return w, errorf(ErrInvalidRequest, "more than one %v address requested: %s and %s", f, w.explicit[f-1], e)
		}
		w.explicit[f-1] = e
	}
	// A requested secondary address must be honoured, so PreferDualStack may
	// not fall back to single-stack without it.
	if _, ok := w.pinned(w.fams[len(w.fams)-1]); ok && len(w.fams) == 2 {
		w.require = true
	}
	return w, nil
}

// normalised returns req with its slices copied and addresses unmapped, for
// keeping in a holder.
func (req Request) normalised() Request {
	req.Families = slices.Clone(req.Families)
	req.Addresses = slices.Clone(req.Addresses)
	for i, e := range req.Addresses {
		req.Addresses[i] = e.Unmap()
	}
	return req
}
