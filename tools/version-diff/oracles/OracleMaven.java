// Differential oracle for the maven scheme: Maven's own ComparableVersion.
// Reads "A<TAB>B" lines on stdin and prints one line per pair: <, = or > (the sign of
// new ComparableVersion(A).compareTo(new ComparableVersion(B))), or "error: ..." if Maven
// throws. Run it with the maven-artifact jar of Debian's maven package:
//   java -cp /usr/share/maven/lib/maven-artifact-3.x.jar tools/version-diff/oracles/OracleMaven.java
// (Java 11+ runs a single source file directly; no build step.)
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class OracleMaven {
  public static void main(String[] args) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
    BufferedWriter out =
        new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
    String line;
    while ((line = in.readLine()) != null) {
      int tab = line.indexOf('\t');
      if (tab < 0) {
        out.write("error: no tab\n");
        continue;
      }
      try {
        int c = new ComparableVersion(line.substring(0, tab))
            .compareTo(new ComparableVersion(line.substring(tab + 1)));
        out.write(c < 0 ? "<\n" : (c > 0 ? ">\n" : "=\n"));
      } catch (RuntimeException e) {
        out.write("error: " + e.getClass().getSimpleName() + "\n");
      }
    }
    out.flush();
  }
}
