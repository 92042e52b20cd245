# One line per finding of `vigil scan -f json`, for the golden files:
# purl, id, aliases, advisories, recommended fix, fixed versions, status, severity, layer, base
.findings[] | [.package.purl, .id, (.aliases | join(",")), (.advisories | join(",")), (.fix // "-"),
  (.fixed_versions | join(",")), .status, .severity, (.layer.index | tostring), (.layer.base | tostring)]
| join("\t")
