package tee_test

import (
	"testing"

	"github.com/phalanetwork/phala/tee"
)

func TestCheckMeasurement(t *testing.T) {
	v := &tee.Verified{Kind: tee.KindSim, Measurement: []byte{1, 2, 3}}
	if err := tee.CheckMeasurement(v, [][]byte{{9}, {1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, tee.CheckMeasurement(v, [][]byte{{1, 2}, {1, 2, 3, 4}}), tee.ErrMeasurementNotAllowed)
	wantErr(t, tee.CheckMeasurement(v, nil), tee.ErrMeasurementNotAllowed)
	wantErr(t, tee.CheckMeasurement(&tee.Verified{}, [][]byte{{}}), tee.ErrMeasurementNotAllowed)
	wantErr(t, tee.CheckMeasurement(nil, [][]byte{{1}}), tee.ErrMeasurementNotAllowed)
}

func TestCheckReportData(t *testing.T) {
	v := &tee.Verified{ReportData: [tee.ReportDataSize]byte{1}}
	if err := tee.CheckReportData(v, [tee.ReportDataSize]byte{1}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, tee.CheckReportData(v, [tee.ReportDataSize]byte{2}), tee.ErrReportDataMismatch)
	wantErr(t, tee.CheckReportData(nil, [tee.ReportDataSize]byte{}), tee.ErrReportDataMismatch)
}
