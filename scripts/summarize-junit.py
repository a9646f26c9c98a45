"""Prints 'N passed, N failed[, N skipped]' from one or more pytest JUnit
reports (the normal and the sanitized pass of scripts/check.sh, added up).

Exits non-zero when no test ran or any failed, so a suite that silently
collected nothing cannot look green."""
import sys
import xml.etree.ElementTree as ET

suites = []
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    suites += [root] if root.tag == "testsuite" else list(root)
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
passed = total - failed - skipped
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
