package clitest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTable(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      Table
	}{
		{
			name: "virter",
			out: "Name     Forward-Type  IP-Range          Domain  DHCP  Bridge\n" +
				"default  nat           192.168.122.1/24                virbr0\n" +
				"net1                   10.0.0.1/8        lab     a-b\n",
			want: Table{
				Header: []string{"Name", "Forward-Type", "IP-Range", "Domain", "DHCP", "Bridge"},
				Rows: []map[string]string{
					{"Name": "default", "Forward-Type": "nat", "IP-Range": "192.168.122.1/24", "Domain": "", "DHCP": "", "Bridge": "virbr0"},
					{"Name": "net1", "Forward-Type": "", "IP-Range": "10.0.0.1/8", "Domain": "lab", "DHCP": "a-b", "Bridge": ""},
				},
			},
		},
		{
			name: "virsh",
			out: " Name     Path          Type   Capacity   Allocation\n" +
				"------------------------------------------------------\n" +
				" a.qcow2  /p/a.qcow2    file   1.00 GiB   196.00 KiB\n",
			want: Table{
				Header: []string{"Name", "Path", "Type", "Capacity", "Allocation"},
				Rows:   []map[string]string{{"Name": "a.qcow2", "Path": "/p/a.qcow2", "Type": "file", "Capacity": "1.00 GiB", "Allocation": "196.00 KiB"}},
			},
		},
		{
			name: "label with a space",
			out:  "VM  Host Device\nx   vnet0\n",
			want: Table{Header: []string{"VM", "Host Device"}, Rows: []map[string]string{{"VM": "x", "Host Device": "vnet0"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTable(tc.out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ParseTable("Name  Path\nlong-name-overflowing x\n"); err == nil {
		t.Error("a cell running into the next column must be an error")
	}
	if _, err := ParseTable("\n"); err == nil {
		t.Error("no header must be an error")
	}
}
