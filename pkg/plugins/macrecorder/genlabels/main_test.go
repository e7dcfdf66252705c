package main

import "testing"

// TestLabel checks the derivation against labels T2 0.9.3 prints for the
// same IEEE entries (testdata/t2-outputs).
func TestLabel(t *testing.T) {
	for _, tc := range []struct{ name, cc, want string }{
		{"Cisco Systems, Inc", "US", "CiscoSyst,US"},
		{"PCS Systemtechnik GmbH", "US", "PcsSystem,US"},
		{"LEXMARK INTERNATIONAL, INC.", "US", "LexmarkIn,US"},
		{"EQUIP'TRANS", "FR", "Equip'Tra,FR"},
		{"ITALTEL S.p.A/RF-UP-I", "IT", "ItaltelSp,IT"},
		{"TP-LINK TECHNOLOGIES CO.,LTD.", "CN", "TPLinkTec,CN"},
		{"3COM", "US", "3com,US"},
		{"ASUSTek COMPUTER INC.", "TW", "ASUSTekCo,TW"},
		{"CONNECT AS", "DK", "ConnectAS,DK"},
		{"Routerboard.com", "LV", "Routerboa,LV"},
		{"Nokia", "CA", "Nokia,CA"},
		{"Some Org", "", "SomeOrg"}, // no country line
	} {
		if got := Label(tc.name, tc.cc); got != tc.want {
			t.Errorf("Label(%q, %q) = %q, want %q", tc.name, tc.cc, got, tc.want)
		}
	}
}
