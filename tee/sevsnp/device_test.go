package sevsnp_test

import (
	"errors"

	labi "github.com/google/go-sev-guest/client/linuxabi"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
)

// fakeDevice is a /dev/sev-guest that answers MSG_KEY_REQ with key.
type fakeDevice struct {
	key  []byte
	fail bool
	req  labi.SnpDerivedKeyReqABI
}

func (d *fakeDevice) Open(string) error        { return nil }
func (d *fakeDevice) Close() error             { return nil }
func (d *fakeDevice) Product() *spb.SevProduct { return nil }

func (d *fakeDevice) Ioctl(command uintptr, arg any) (uintptr, error) {
	if d.fail {
		return 0, errors.New("ioctl failed")
	}
	r, ok := arg.(*labi.SnpUserGuestRequest)
	if !ok || command != labi.IocSnpGetDerivedKey {
		return 0, errors.New("unexpected ioctl")
	}
	req, ok1 := r.ReqData.(*labi.SnpDerivedKeyReqABI)
	resp, ok2 := r.RespData.(*labi.SnpDerivedKeyRespABI)
	if !ok1 || !ok2 {
		return 0, errors.New("unexpected request types")
	}
	d.req = *req
	copy(resp.Data[:], d.key)
	return uintptr(labi.EsOk), nil
}
