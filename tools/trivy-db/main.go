// trivy-db-osv converts OSV records into a Trivy vulnerability database (schema 2: trivy.db, a
// bbolt file, plus metadata.json), so that Trivy can scan with exactly the advisories vigil
// imports. Our own converter; see README.md for the layout it writes and what it cannot express.
//
//	trivy-db-osv -o OUT_DIR [-report FILE] INPUT...
//
// INPUT: OSV records as JSON lines, a JSON array or a single JSON object per file.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the Trivy DB schema the Trivy releases of 2021-2024 read (v0.2x-v0.5x).
const schemaVersion = 2

// ---- OSV input ------------------------------------------------------------------------------

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvRange struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}

type osvAffected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Ranges           []osvRange      `json:"ranges"`
	Versions         []string        `json:"versions"`
	Severity         []osvSeverity   `json:"severity"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

type osvRecord struct {
	ID         string        `json:"id"`
	Aliases    []string      `json:"aliases"`
	Summary    string        `json:"summary"`
	Details    string        `json:"details"`
	Published  string        `json:"published"`
	Modified   string        `json:"modified"`
	Withdrawn  string        `json:"withdrawn"`
	Severity   []osvSeverity `json:"severity"`
	Affected   []osvAffected `json:"affected"`
	References []struct {
		URL string `json:"url"`
	} `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

// ---- Trivy output ---------------------------------------------------------------------------

// Status values as Trivy's DB stores them (an integer): 2 = affected.
const statusAffected = 2

// advisory is the value stored under <bucket>/<package>/<vulnerability id>.
type advisory struct {
	VendorIDs          []string `json:",omitempty"`
	Status             int      `json:",omitempty"`
	FixedVersion       string   `json:",omitempty"`
	VulnerableVersions []string `json:",omitempty"`
}

// vulnerability is the value stored under vulnerability/<vulnerability id>.
type vulnerability struct {
	Title            string                    `json:",omitempty"`
	Description      string                    `json:",omitempty"`
	Severity         string                    `json:",omitempty"`
	VendorSeverity   map[string]int            `json:",omitempty"`
	CVSS             map[string]map[string]any `json:",omitempty"`
	References       []string                  `json:",omitempty"`
	PublishedDate    *time.Time                `json:",omitempty"`
	LastModifiedDate *time.Time                `json:",omitempty"`
}

type dataSource struct {
	ID   string `json:",omitempty"`
	Name string `json:",omitempty"`
	URL  string `json:",omitempty"`
}

type metadata struct {
	Version      int
	NextUpdate   time.Time
	UpdatedAt    time.Time
	DownloadedAt time.Time
}

// ---- ecosystems -----------------------------------------------------------------------------

// target says where an OSV ecosystem goes in Trivy's DB.
type target struct {
	bucket   string                // top-level bucket
	sourceID string                // data source id (also the VendorSeverity key)
	os       bool                  // OS bucket: one FixedVersion per package; else VulnerableVersions constraints
	cmp      func(a, b string) int // OS buckets: the version order, to keep the highest fix
	pip      bool                  // Trivy folds PyPI names to lower case with '_' as '-'
	nuget    bool                  // NuGet names keep their case
}

// sourceName is the data source name shown in Trivy's findings: says where the advisory came from.
const sourceName = "OSV records converted by vigil tools/trivy-db"

// language ecosystems: OSV name -> the prefix Trivy's language detectors look up ("<prefix>::*").
var langPrefix = map[string]string{
	"npm":       "npm",
	"PyPI":      "pip",
	"Go":        "go",
	"crates.io": "cargo",
	"RubyGems":  "rubygems",
	"Packagist": "composer",
	"Maven":     "maven",
	"NuGet":     "nuget",
	"Pub":       "pub",
	"Hex":       "erlang",
	"SwiftURL":  "swift",
}

func targetFor(ecosystem string) (target, string) {
	if p, ok := langPrefix[ecosystem]; ok {
		return target{bucket: p + "::" + sourceName, sourceID: "vigil-osv",
			pip: p == "pip", nuget: p == "nuget"}, ""
	}
	family, release, _ := strings.Cut(ecosystem, ":")
	switch family {
	case "Debian":
		if release == "" || strings.Contains(release, ":") {
			return target{}, "Debian ecosystem without a plain release number"
		}
		return target{bucket: "debian " + release, sourceID: "debian", os: true, cmp: compareDebian}, ""
	case "AlmaLinux":
		if release == "" || strings.Contains(release, ":") {
			return target{}, "AlmaLinux ecosystem without a plain release number"
		}
		return target{bucket: "alma " + release, sourceID: "alma", os: true, cmp: compareRPM}, ""
	case "":
		return target{}, "no ecosystem (e.g. GIT-only records)"
	}
	return target{}, "ecosystem not converted: " + family
}

// packageKey is the nested bucket name: what Trivy looks packages up by.
func packageKey(t target, name string) string {
	switch {
	case t.os:
		return name // Debian: the source package name; AlmaLinux: the binary rpm name
	case t.pip:
		return strings.ReplaceAll(strings.ToLower(name), "_", "-")
	case t.nuget:
		return name
	}
	return strings.ToLower(name)
}

// vulnIDs: the keys Trivy's own DB would use. CVE ids when the record names any (one advisory
// per CVE, the record's other ids as VendorIDs), else the record's own id.
func vulnIDs(rec *osvRecord) (ids, vendor []string) {
	for _, a := range append([]string{rec.ID}, rec.Aliases...) {
		if strings.HasPrefix(a, "CVE-") {
			ids = appendUnique(ids, a)
		} else {
			vendor = appendUnique(vendor, a)
		}
	}
	if len(ids) == 0 {
		return []string{rec.ID}, nil
	}
	return ids, vendor
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// ---- ranges ---------------------------------------------------------------------------------

// notes counts what the conversion could not carry over, with a few example record ids.
type notes struct {
	count    map[string]int
	examples map[string][]string
}

func (n *notes) add(reason, id string) {
	n.count[reason]++
	if len(n.examples[reason]) < 3 {
		n.examples[reason] = appendUnique(n.examples[reason], id)
	}
}

// segment is one affected interval of a range: [lo, hi) or [lo, hi]; lo "" or "0" = no bound.
type segment struct {
	lo, hi    string
	inclusive bool // hi is last_affected
}

// segments walks a range's events in the order given (OSV producers sort them; this converter
// has no version schemes and cannot sort them itself).
func segments(r osvRange, id string, n *notes) []segment {
	var out []segment
	open := false
	var cur segment
	for _, ev := range r.Events {
		switch {
		case ev["introduced"] != "":
			if open { // introduced twice in a row: the first stays open-ended
				out = append(out, cur)
			}
			cur, open = segment{lo: ev["introduced"]}, true
		case ev["fixed"] != "" || ev["last_affected"] != "":
			if !open {
				n.add("fixed/last_affected without a preceding introduced (taken as introduced 0)", id)
				cur = segment{lo: "0"}
			}
			if v := ev["fixed"]; v != "" {
				cur.hi, cur.inclusive = v, false
			} else {
				cur.hi, cur.inclusive = ev["last_affected"], true
			}
			out = append(out, cur)
			open = false
		case ev["limit"] != "":
			n.add("limit event ignored (Trivy has no equivalent)", id)
		}
	}
	if open {
		out = append(out, cur)
	}
	return out
}

// constraint writes a segment in the syntax of Trivy's language comparers: comparators joined
// by ", " (and); Trivy joins a package's constraints with " || " (or).
func (s segment) constraint() string {
	lower := s.lo != "" && s.lo != "0"
	switch {
	case s.hi == "":
		if !lower {
			return ">=0"
		}
		return ">=" + s.lo
	case s.inclusive && lower && s.lo == s.hi:
		return "=" + s.hi
	}
	upper := "<" + s.hi
	if s.inclusive {
		upper = "<=" + s.hi
	}
	if !lower {
		return upper
	}
	return ">=" + s.lo + ", " + upper
}

// ---- severity -------------------------------------------------------------------------------

var severityNames = []string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func severityIndex(label string) int {
	switch strings.ToUpper(label) {
	case "LOW":
		return 1
	case "MEDIUM", "MODERATE":
		return 2
	case "HIGH":
		return 3
	case "CRITICAL":
		return 4
	}
	return 0
}

// cvss3Base computes a CVSS v3.0/v3.1 base score from its vector (FIRST specification);
// ok is false for anything that is not a complete v3 base vector.
func cvss3Base(vector string) (float64, bool) {
	parts := strings.Split(strings.TrimSuffix(vector, "/"), "/")
	if len(parts) < 9 || !strings.HasPrefix(parts[0], "CVSS:3.") {
		return 0, false
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok {
			return 0, false
		}
		m[k] = v
	}
	weight := func(metric string, table map[string]float64) (float64, bool) {
		w, ok := table[m[metric]]
		return w, ok
	}
	changed := m["S"] == "C"
	if m["S"] != "C" && m["S"] != "U" {
		return 0, false
	}
	prTable := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if changed {
		prTable = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	av, ok1 := weight("AV", map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2})
	ac, ok2 := weight("AC", map[string]float64{"L": 0.77, "H": 0.44})
	pr, ok3 := weight("PR", prTable)
	ui, ok4 := weight("UI", map[string]float64{"N": 0.85, "R": 0.62})
	c, ok5 := weight("C", cia)
	i, ok6 := weight("I", cia)
	a, ok7 := weight("A", cia)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, false
	}
	iss := 1 - (1-c)*(1-i)*(1-a)
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0, true
	}
	exploitability := 8.22 * av * ac * pr * ui
	score := impact + exploitability
	if changed {
		score *= 1.08
	}
	return roundUp(math.Min(score, 10)), true
}

// roundUp is CVSS v3.1's Roundup: the smallest one-decimal number not below x.
func roundUp(x float64) float64 {
	n := int64(math.Round(x * 100000))
	if n%10000 == 0 {
		return float64(n) / 100000
	}
	return float64(n/10000+1) / 10
}

func scoreSeverity(score float64) int {
	switch {
	case score >= 9:
		return 4
	case score >= 7:
		return 3
	case score >= 4:
		return 2
	case score > 0:
		return 1
	}
	return 0
}

// recordSeverity: the advisory's own label (GHSA, Bitnami) if any, else its CVSS v3 base score.
func recordSeverity(rec *osvRecord, aff *osvAffected) (sev int, vector string, score float64) {
	for _, raw := range []json.RawMessage{aff.DatabaseSpecific, rec.DatabaseSpecific} {
		var ds struct {
			Severity string `json:"severity"`
		}
		if len(raw) > 0 && json.Unmarshal(raw, &ds) == nil && severityIndex(ds.Severity) > 0 {
			sev = severityIndex(ds.Severity)
			break
		}
	}
	for _, list := range [][]osvSeverity{aff.Severity, rec.Severity} {
		for _, s := range list {
			if s.Type == "CVSS_V3" {
				if b, ok := cvss3Base(s.Score); ok {
					if sev == 0 {
						sev = scoreSeverity(b)
					}
					return sev, s.Score, b
				}
			}
		}
	}
	return sev, "", 0
}

// ---- conversion -----------------------------------------------------------------------------

type converter struct {
	advisories map[string]map[string]map[string]*advisory // bucket -> package -> id -> advisory
	vulns      map[string]*vulnerability
	sources    map[string]dataSource
	notes      notes
	records    int
	written    map[string]int // records contributing per bucket
	byID       map[string]*osvRecord
	order      []string // ids in the order first read
}

// collect keeps one record per id, as an OSV database does: the newest modified wins, the
// first read on a tie.
func (cv *converter) collect(rec *osvRecord) {
	cv.records++
	if rec.ID == "" {
		cv.notes.add("record without id (skipped)", "(no id)")
		return
	}
	old, seen := cv.byID[rec.ID]
	if !seen {
		cv.byID[rec.ID] = rec
		cv.order = append(cv.order, rec.ID)
		return
	}
	if t1, t2 := parseTime(rec.Modified), parseTime(old.Modified); t1 != nil && t2 != nil && t1.After(*t2) {
		cv.byID[rec.ID] = rec
		cv.notes.add("duplicate id: the newer record replaces the older", rec.ID)
		return
	}
	cv.notes.add("duplicate id: not newer than the record read first (ignored)", rec.ID)
}

func (cv *converter) convert() {
	for _, id := range cv.order {
		cv.add(cv.byID[id])
	}
}

func newConverter() *converter {
	return &converter{
		advisories: map[string]map[string]map[string]*advisory{},
		vulns:      map[string]*vulnerability{},
		sources:    map[string]dataSource{},
		notes:      notes{count: map[string]int{}, examples: map[string][]string{}},
		written:    map[string]int{},
		byID:       map[string]*osvRecord{},
	}
}

func parseTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() <= 1 {
		return nil
	}
	t = t.UTC()
	return &t
}

func (cv *converter) add(rec *osvRecord) {
	if rec.Withdrawn != "" {
		cv.notes.add("withdrawn record (skipped)", rec.ID)
		return
	}
	ids, vendorIDs := vulnIDs(rec)
	used := false
	for ai := range rec.Affected {
		aff := &rec.Affected[ai]
		t, why := targetFor(aff.Package.Ecosystem)
		if why != "" {
			cv.notes.add(why+" (skipped)", rec.ID)
			continue
		}
		if aff.Package.Name == "" {
			cv.notes.add("affected package without a name (skipped)", rec.ID)
			continue
		}
		var segs []segment
		for _, r := range aff.Ranges {
			if r.Type != "SEMVER" && r.Type != "ECOSYSTEM" {
				cv.notes.add(r.Type+" range skipped (Trivy compares versions only)", rec.ID)
				continue
			}
			segs = append(segs, segments(r, rec.ID, &cv.notes)...)
		}
		var adv advisory
		if t.os {
			if !cv.osAdvisory(t, &adv, segs, aff, rec.ID) {
				continue
			}
		} else {
			for _, s := range segs {
				adv.VulnerableVersions = appendUnique(adv.VulnerableVersions, s.constraint())
			}
			// The versions list of these feeds enumerates the ranges' versions; it is used
			// only where no range can be evaluated (Trivy would parse every entry).
			if len(aff.Versions) > 0 {
				if len(segs) == 0 {
					for _, v := range aff.Versions {
						adv.VulnerableVersions = appendUnique(adv.VulnerableVersions, "="+v)
					}
					cv.notes.add("versions list used as '=' constraints (no evaluable range)", rec.ID)
				} else {
					cv.notes.add("versions list dropped in favour of the ranges", rec.ID)
				}
			}
			if len(adv.VulnerableVersions) == 0 {
				cv.notes.add("affected package with no evaluable range or version (skipped)", rec.ID)
				continue
			}
		}
		adv.VendorIDs = vendorIDs
		pkg := packageKey(t, aff.Package.Name)
		for _, id := range ids {
			cv.put(t, pkg, id, adv, rec.ID)
			cv.putVuln(id, rec, aff, t.sourceID)
		}
		cv.sources[t.bucket] = dataSource{ID: t.sourceID, Name: sourceName}
		cv.written[t.bucket]++
		used = true
	}
	if !used {
		cv.notes.add("record with nothing converted", rec.ID)
	}
}

// osAdvisory fills the one FixedVersion an OS bucket can hold. Returns false to skip.
// Several intervals all starting at 0 are one interval up to the highest fix (their union).
func (cv *converter) osAdvisory(t target, adv *advisory, segs []segment, aff *osvAffected, id string) bool {
	if len(aff.Versions) > 0 {
		cv.notes.add("versions list ignored for an OS package (Trivy keeps one fixed version)", id)
	}
	if len(segs) == 0 {
		cv.notes.add("OS package with no evaluable range (skipped)", id)
		return false
	}
	for _, s := range segs {
		if s.lo != "" && s.lo != "0" {
			cv.notes.add("OS package: introduced version dropped (Trivy has no lower bound)", id)
			break
		}
	}
	for _, s := range segs {
		switch {
		case s.hi == "":
			adv.Status, adv.FixedVersion = statusAffected, "" // unfixed: every version is affected
			return true
		case s.inclusive:
			cv.notes.add("OS package with last_affected (not expressible as a fixed version; skipped)", id)
			return false
		case adv.FixedVersion == "" || t.cmp(s.hi, adv.FixedVersion) > 0:
			adv.FixedVersion = s.hi
		}
	}
	if len(segs) > 1 {
		cv.notes.add("OS package with several intervals in one entry: highest fixed version kept", id)
	}
	return true
}

func (cv *converter) put(t target, pkg, id string, adv advisory, recID string) {
	pkgs := cv.advisories[t.bucket]
	if pkgs == nil {
		pkgs = map[string]map[string]*advisory{}
		cv.advisories[t.bucket] = pkgs
	}
	byID := pkgs[pkg]
	if byID == nil {
		byID = map[string]*advisory{}
		pkgs[pkg] = byID
	}
	old := byID[id]
	if old == nil {
		a := adv
		byID[id] = &a
		return
	}
	// Same package and id from another record (or another affected entry): one Trivy key.
	for _, v := range adv.VendorIDs {
		old.VendorIDs = appendUnique(old.VendorIDs, v)
	}
	if t.os {
		// Several entries for one package and id (e.g. AlmaLinux module builds of one package):
		// affected below any of the fixes = affected below the highest; unfixed wins.
		switch {
		case old.Status == statusAffected:
		case adv.Status == statusAffected:
			*old = advisory{VendorIDs: old.VendorIDs, Status: statusAffected}
			cv.notes.add("OS package and id fixed in one entry, unfixed in another: unfixed kept", recID)
		case adv.FixedVersion != old.FixedVersion:
			if t.cmp(adv.FixedVersion, old.FixedVersion) > 0 {
				old.FixedVersion = adv.FixedVersion
			}
			cv.notes.add("OS package and id with several fixed versions: highest kept", recID)
		}
		return
	}
	for _, c := range adv.VulnerableVersions {
		old.VulnerableVersions = appendUnique(old.VulnerableVersions, c)
	}
}

func (cv *converter) putVuln(id string, rec *osvRecord, aff *osvAffected, sourceID string) {
	v := cv.vulns[id]
	if v == nil {
		v = &vulnerability{Title: rec.Summary, Description: rec.Details,
			PublishedDate: parseTime(rec.Published), LastModifiedDate: parseTime(rec.Modified)}
		for _, r := range rec.References {
			v.References = appendUnique(v.References, r.URL)
		}
		cv.vulns[id] = v
	}
	sev, vector, score := recordSeverity(rec, aff)
	if sev > 0 {
		if v.VendorSeverity == nil {
			v.VendorSeverity = map[string]int{}
		}
		if sev > v.VendorSeverity[sourceID] {
			v.VendorSeverity[sourceID] = sev
		}
		if severityIndex(v.Severity) < sev {
			v.Severity = severityNames[sev]
		}
	}
	if vector != "" {
		if v.CVSS == nil {
			v.CVSS = map[string]map[string]any{}
		}
		v.CVSS[sourceID] = map[string]any{"V3Vector": vector, "V3Score": score}
	}
}

// ---- input ----------------------------------------------------------------------------------

func (cv *converter) readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	first, err := br.Peek(1)
	for err == nil && (first[0] == ' ' || first[0] == '\n' || first[0] == '\r' || first[0] == '\t') {
		br.ReadByte()
		first, err = br.Peek(1)
	}
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	dec := json.NewDecoder(br)
	if first[0] == '[' {
		var recs []osvRecord
		if err := dec.Decode(&recs); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i := range recs {
			cv.collect(&recs[i])
		}
		return nil
	}
	// One object, or one object per line: a stream of JSON values.
	for n := 1; ; n++ {
		var rec osvRecord
		if err := dec.Decode(&rec); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: record %d: %w", path, n, err)
		}
		cv.collect(&rec)
	}
}

// ---- output ---------------------------------------------------------------------------------

func (cv *converter) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dbPath := filepath.Join(dir, "trivy.db")
	tmp := dbPath + ".tmp"
	os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	err = cv.fill(db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	meta, _ := json.Marshal(metadata{Version: schemaVersion,
		NextUpdate: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: now, DownloadedAt: now})
	return os.WriteFile(filepath.Join(dir, "metadata.json"), append(meta, '\n'), 0o644)
}

// fill writes the buckets in several transactions (one per top-level bucket, the vulnerability
// details in chunks), keys in sorted order so pages can be filled completely.
func (cv *converter) fill(db *bolt.DB) error {
	for _, bucket := range sortedKeys(cv.advisories) {
		err := db.Update(func(tx *bolt.Tx) error {
			root, err := tx.CreateBucket([]byte(bucket))
			if err != nil {
				return err
			}
			root.FillPercent = 1
			pkgs := cv.advisories[bucket]
			for _, pkg := range sortedKeys(pkgs) {
				nested, err := root.CreateBucket([]byte(pkg))
				if err != nil {
					return fmt.Errorf("bucket %q package %q: %w", bucket, pkg, err)
				}
				nested.FillPercent = 1
				for _, id := range sortedKeys(pkgs[pkg]) {
					if err := putJSON(nested, id, pkgs[pkg][id]); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		delete(cv.advisories, bucket)
	}
	ids := sortedKeys(cv.vulns)
	for start := 0; start < len(ids); start += 5000 {
		chunk := ids[start:min(start+5000, len(ids))]
		err := db.Update(func(tx *bolt.Tx) error {
			vb, err := tx.CreateBucketIfNotExists([]byte("vulnerability"))
			if err != nil {
				return err
			}
			vb.FillPercent = 1
			for _, id := range chunk {
				if err := putJSON(vb, id, cv.vulns[id]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists([]byte("vulnerability")); err != nil {
			return err
		}
		ds, err := tx.CreateBucket([]byte("data-source"))
		if err != nil {
			return err
		}
		for _, bucket := range sortedKeys(cv.sources) {
			if err := putJSON(ds, bucket, cv.sources[bucket]); err != nil {
				return err
			}
		}
		return nil
	})
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return b.Put([]byte(key), bytes.TrimRight(buf.Bytes(), "\n"))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// report is written as JSON (-report) and summarised on stderr.
type report struct {
	Records    int                 `json:"records"`
	Buckets    map[string]bucketN  `json:"buckets"`
	Notes      map[string]int      `json:"notes"`
	Examples   map[string][]string `json:"examples"`
	Vulns      int                 `json:"vulnerability_ids"`
	SchemaVers int                 `json:"schema_version"`
}

type bucketN struct {
	Packages   int `json:"packages"`
	Advisories int `json:"advisories"`
	Affected   int `json:"affected_entries"`
}

func (cv *converter) report() report {
	r := report{Records: cv.records, Buckets: map[string]bucketN{}, Notes: cv.notes.count,
		Examples: cv.notes.examples, Vulns: len(cv.vulns), SchemaVers: schemaVersion}
	for b, pkgs := range cv.advisories {
		n := bucketN{Packages: len(pkgs), Affected: cv.written[b]}
		for _, ids := range pkgs {
			n.Advisories += len(ids)
		}
		r.Buckets[b] = n
	}
	return r
}

func main() {
	out := flag.String("o", "", "output folder: trivy.db and metadata.json are written there")
	reportPath := flag.String("report", "", "also write the conversion report (JSON) to this file")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s -o OUT_DIR [-report FILE] OSV_FILE...\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	cv := newConverter()
	for _, path := range flag.Args() {
		if err := cv.readFile(path); err != nil {
			fmt.Fprintln(os.Stderr, "trivy-db-osv: error:", err)
			os.Exit(1)
		}
	}
	cv.convert()
	r := cv.report()
	if err := cv.write(*out); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			fmt.Fprintln(os.Stderr, "trivy-db-osv: error:", pe)
		} else {
			fmt.Fprintln(os.Stderr, "trivy-db-osv: error writing the database:", err)
		}
		os.Exit(1)
	}
	if *reportPath != "" {
		data, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(*reportPath, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "trivy-db-osv: error:", err)
			os.Exit(1)
		}
	}
	fmt.Fprintf(os.Stderr, "trivy-db-osv: %d records -> %s (schema %d, %d vulnerability ids)\n",
		r.Records, filepath.Join(*out, "trivy.db"), schemaVersion, r.Vulns)
	for _, b := range sortedKeys(r.Buckets) {
		n := r.Buckets[b]
		fmt.Fprintf(os.Stderr, "  %-60s %6d packages %7d advisories\n", b, n.Packages, n.Advisories)
	}
	for _, reason := range sortedKeys(r.Notes) {
		fmt.Fprintf(os.Stderr, "  note: %6d x %s (e.g. %s)\n", r.Notes[reason], reason,
			strings.Join(r.Examples[reason], ", "))
	}
}
