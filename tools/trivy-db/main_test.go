package main

import (
	"encoding/json"
	"reflect"
	"testing"
)

func rangeOf(events ...[2]string) osvRange {
	r := osvRange{Type: "SEMVER"}
	for _, e := range events {
		r.Events = append(r.Events, map[string]string{e[0]: e[1]})
	}
	return r
}

func TestConstraints(t *testing.T) {
	cases := []struct {
		r    osvRange
		want []string
	}{
		{rangeOf([2]string{"introduced", "0"}, [2]string{"fixed", "4.17.5"}), []string{"<4.17.5"}},
		{rangeOf([2]string{"introduced", "1.2.0"}, [2]string{"fixed", "1.2.5"}), []string{">=1.2.0, <1.2.5"}},
		{rangeOf([2]string{"introduced", "0"}, [2]string{"last_affected", "1.5.1"}), []string{"<=1.5.1"}},
		{rangeOf([2]string{"introduced", "1.0"}, [2]string{"last_affected", "1.0"}), []string{"=1.0"}},
		{rangeOf([2]string{"introduced", "0"}), []string{">=0"}},
		{rangeOf([2]string{"introduced", "2.0"}), []string{">=2.0"}},
		{rangeOf([2]string{"introduced", "0"}, [2]string{"fixed", "1.0"}, [2]string{"introduced", "2.0"}, [2]string{"fixed", "2.1"}),
			[]string{"<1.0", ">=2.0, <2.1"}},
		{rangeOf([2]string{"introduced", "0"}, [2]string{"fixed", "1.0"}, [2]string{"introduced", "2.0"}),
			[]string{"<1.0", ">=2.0"}},
		{rangeOf([2]string{"fixed", "1.0"}), []string{"<1.0"}}, // no introduced: taken as 0
		{rangeOf([2]string{"introduced", "0"}, [2]string{"limit", "3.0"}), []string{">=0"}},
	}
	for _, c := range cases {
		n := notes{count: map[string]int{}, examples: map[string][]string{}}
		var got []string
		for _, s := range segments(c.r, "X", &n) {
			got = append(got, s.constraint())
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: got %q, want %q", c.r.Events, got, c.want)
		}
	}
}

func TestOSAdvisory(t *testing.T) {
	deb := target{bucket: "debian 12", os: true, cmp: compareDebian}
	cases := []struct {
		r          osvRange
		ok         bool
		fixed      string
		unfixed    bool
		noteSubstr string
	}{
		{rangeOf([2]string{"introduced", "0"}, [2]string{"fixed", "1.0-2"}), true, "1.0-2", false, ""},
		{rangeOf([2]string{"introduced", "0"}), true, "", true, ""},
		{rangeOf([2]string{"introduced", "0"}, [2]string{"last_affected", "1.0-1"}), false, "", false, "last_affected"},
		{rangeOf([2]string{"introduced", "0"}, [2]string{"fixed", "1.0-2"}, [2]string{"introduced", "1:0.5"}, [2]string{"fixed", "1:0.6"}),
			true, "1:0.6", false, "introduced version dropped"},
	}
	for _, c := range cases {
		cv := newConverter()
		var adv advisory
		segs := segments(c.r, "X", &cv.notes)
		ok := cv.osAdvisory(deb, &adv, segs, &osvAffected{}, "X")
		if ok != c.ok || adv.FixedVersion != c.fixed || (adv.Status == statusAffected) != c.unfixed {
			t.Errorf("%v: got ok=%v fixed=%q status=%d", c.r.Events, ok, adv.FixedVersion, adv.Status)
		}
		if c.noteSubstr != "" && len(cv.notes.count) == 0 {
			t.Errorf("%v: expected a note about %q", c.r.Events, c.noteSubstr)
		}
	}
}

func TestMergeKeepsHighestFix(t *testing.T) {
	cv := newConverter()
	line := `{"id":"ALSA-1","modified":"2024-01-01T00:00:00Z","affected":[
	  {"package":{"ecosystem":"AlmaLinux:8","name":"p"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:1.0-1.module_el8.5.0"}]}]},
	  {"package":{"ecosystem":"AlmaLinux:8","name":"p"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:1.0-1.module_el8.10.0"}]}]},
	  {"package":{"ecosystem":"AlmaLinux:8","name":"p"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:1.0-1.module_el8.4.0"}]}]}]}`
	var rec osvRecord
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	cv.collect(&rec)
	cv.convert()
	got := cv.advisories["alma 8"]["p"]["ALSA-1"]
	if got == nil || got.FixedVersion != "1:1.0-1.module_el8.10.0" {
		t.Errorf("got %+v", got)
	}
}

func TestIDsAndNames(t *testing.T) {
	ids, vendor := vulnIDs(&osvRecord{ID: "DEBIAN-CVE-2024-1", Aliases: []string{"CVE-2024-1"}})
	if !reflect.DeepEqual(ids, []string{"CVE-2024-1"}) || !reflect.DeepEqual(vendor, []string{"DEBIAN-CVE-2024-1"}) {
		t.Errorf("got %v %v", ids, vendor)
	}
	ids, vendor = vulnIDs(&osvRecord{ID: "GHSA-x", Aliases: []string{"CVE-1", "CVE-2"}})
	if !reflect.DeepEqual(ids, []string{"CVE-1", "CVE-2"}) || !reflect.DeepEqual(vendor, []string{"GHSA-x"}) {
		t.Errorf("got %v %v", ids, vendor)
	}
	ids, _ = vulnIDs(&osvRecord{ID: "RUSTSEC-2020-1"})
	if !reflect.DeepEqual(ids, []string{"RUSTSEC-2020-1"}) {
		t.Errorf("got %v", ids)
	}
	pip, _ := targetFor("PyPI")
	if got := packageKey(pip, "Foo_Bar.baz"); got != "foo-bar.baz" {
		t.Errorf("pip name %q", got)
	}
	nuget, _ := targetFor("NuGet")
	if got := packageKey(nuget, "Newtonsoft.Json"); got != "Newtonsoft.Json" {
		t.Errorf("nuget name %q", got)
	}
	if deb, why := targetFor("Debian:12"); why != "" || deb.bucket != "debian 12" {
		t.Errorf("debian target %+v %q", deb, why)
	}
	if _, why := targetFor("Bitnami"); why == "" {
		t.Error("Bitnami should not be converted")
	}
}

func TestCVSS3(t *testing.T) {
	for vector, want := range map[string]float64{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": 9.8,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H": 10.0,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N": 6.1,
		"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N": 5.3,
		"CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L": 1.8,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N": 0,
	} {
		if got, ok := cvss3Base(vector); !ok || got != want {
			t.Errorf("%s: got %v (ok %v), want %v", vector, got, ok, want)
		}
	}
	if _, ok := cvss3Base("CVSS:2.0/AV:N"); ok {
		t.Error("not a v3 vector")
	}
}

func TestVersionOrders(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0~rc1", "1.0", -1}, {"1.0", "1.0+b1", -1}, {"1:0.9", "2.0", 1}, {"1.0-1", "1.0-1", 0},
		{"2.5.0-1+deb12u5", "2.5.0-1+deb12u4", 1}, {"1.0.9-2+b6", "1.0.9-2+deb12u1", -1}, {"01.0", "1.00", 0},
	} {
		if got := compareDebian(c.a, c.b); got != c.want {
			t.Errorf("dpkg %s vs %s: got %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0~rc1", "1.0", -1}, {"1.0^1", "1.0", 1}, {"1.0^1", "1.0.1", -1}, {"1:1.0", "2.0", 1},
		{"1.0-1.el9", "1.0-1.el9_1", -1}, {"1.0a", "1.0", 1}, {"1.01", "1.1", 0}, {"1.0", "1.0.", 0},
	} {
		if got := compareRPM(c.a, c.b); got != c.want {
			t.Errorf("rpm %s vs %s: got %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
