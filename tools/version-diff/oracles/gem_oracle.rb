# Oracle for the gem scheme: RubyGems' own Gem::Version (Debian ruby).
# Reads "A<TAB>B" lines on stdin; writes "<", "=", ">" or "error: <reason>" for each.
#   ruby tools/version-diff/oracles/gem_oracle.rb < pairs.tsv
require 'rubygems'

out = []
$stdin.binmode
$stdin.each_line do |line|
  line = line.chomp("\n")
  a, b = line.split("\t", 2)
  if b.nil?
    out << 'error: no tab'
    next
  end
  begin
    c = Gem::Version.new(a.dup.force_encoding('UTF-8')) <=> Gem::Version.new(b.dup.force_encoding('UTF-8'))
    out << (c.negative? ? '<' : (c.positive? ? '>' : '='))
  rescue ArgumentError => e
    out << "error: #{e.message.gsub(/[\t\n]/, ' ')}"
  end
  if out.size >= 65_536
    $stdout.write(out.join("\n") + "\n")
    out.clear
  end
end
$stdout.write(out.join("\n") + "\n") unless out.empty?
