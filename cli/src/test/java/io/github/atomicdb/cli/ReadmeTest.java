package io.github.atomicdb.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README a newcomer reads: it cites files that exist and tells no history. */
class ReadmeTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static String readme() throws Exception {
    Path p = ROOT.resolve("README.md");
    assertTrue(Files.isRegularFile(p), p + " is missing");
    return Files.readString(p);
  }

  @Test
  void everyMarkdownFileItNamesExists() throws Exception {
    Matcher m = Pattern.compile("[\\w./-]+\\.md\\b").matcher(readme());
    while (m.find()) {
      String name = m.group();
      try (var files = Files.walk(ROOT)) {
        assertTrue(files.anyMatch(f -> f.toString().endsWith("/" + name.replaceFirst("^\\./", ""))),
            "README names " + name + ", which is not in the repository");
      }
    }
  }

  @Test
  void itTellsNoHistoryOfIssuesOrBranches() throws Exception {
    String text = readme();
    assertFalse(Pattern.compile("(?i)\\bissue \\d+|\\bthis issue\\b").matcher(text).find(),
        "README refers to an issue");
    assertFalse(Pattern.compile("(?i)\\bbranch `").matcher(text).find(), "README refers to a branch");
  }

  @Test
  void commandLineExamplesUseTheLauncher() throws Exception {
    String text = readme();
    String section = text.substring(text.indexOf("## Command line"), text.indexOf("## Performance"));
    Matcher m = Pattern.compile("`(\\.?/?)atomicdb (info|get|query|queue|export|import|backup|compact|verify|demo)\\b")
        .matcher(section);
    while (m.find()) {
      assertTrue(m.group(1).equals("./"), "a command typed without ./: " + m.group());
    }
  }
}
