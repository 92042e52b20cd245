<?php
// Differential oracle for the composer scheme: Composer's own composer/semver (Debian package
// php-composer-semver). Reads "A<TAB>B" lines on stdin and prints one line per pair: <, = or
// >, "error: ..." when VersionParser::normalize() refuses A or B, or "incomparable" when
// Composer orders neither way (two different dev-branches). Both sides are normalised as
// Semver::sort() does (normalize, then normalizeDefaultBranch), then ordered with Comparator.
//   php tools/version-diff/oracles/composer_oracle.php < pairs.tsv
require_once '/usr/share/php/Composer/Semver/autoload.php';

use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;

$parser = new VersionParser();
$norm = function ($v) use ($parser) {
    return $parser->normalizeDefaultBranch($parser->normalize($v));
};
$in = fopen('php://stdin', 'r');
$out = '';
while (($line = fgets($in)) !== false) {
    $line = rtrim($line, "\n");
    $tab = strpos($line, "\t");
    if ($tab === false) {
        $out .= "error: no tab\n";
        continue;
    }
    try {
        $a = $norm(substr($line, 0, $tab));
        $b = $norm(substr($line, $tab + 1));
        if (Comparator::lessThan($a, $b)) {
            $out .= "<\n";
        } elseif (Comparator::greaterThan($a, $b)) {
            $out .= ">\n";
        } elseif (Comparator::equalTo($a, $b)) {
            $out .= "=\n";
        } else {
            $out .= "incomparable\n";
        }
    } catch (\Exception $e) {
        $out .= "error: " . str_replace("\n", " ", $e->getMessage()) . "\n";
    }
    if (strlen($out) > 65536) {
        fwrite(STDOUT, $out);
        $out = '';
    }
}
fwrite(STDOUT, $out);
