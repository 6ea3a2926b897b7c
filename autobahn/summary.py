#!/usr/bin/env python3
"""Summarises Autobahn reports per role and section, and compares them with the checked-in
expected results. Exits non-zero on any FAILED, NON-STRICT or UNIMPLEMENTED case, on a close
behaviour that is not OK or INFORMATIONAL, on fewer cases than expected, or on any case whose
result differs from expected-results.json (naming the case).

    summary.py [--update] ROLE=REPORT_DIR ...     e.g. server=reports/server client=reports/client
"""
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected-results.json")
BAD = {"FAILED", "NON-STRICT", "UNIMPLEMENTED"}
GOOD_CLOSE = {"OK", "INFORMATIONAL"}


def case_key(case):
    return tuple(int(p) for p in case.split("."))


def main(argv):
    update = "--update" in argv
    roles = [a.split("=", 1) for a in argv if "=" in a]
    if not roles:
        print(__doc__)
        return 2
    expected = {}
    if os.path.exists(EXPECTED):
        with open(EXPECTED) as f:
            expected = json.load(f)
    problems = []
    results = {}
    for role, report_dir in roles:
        path = os.path.join(report_dir, "index.json")
        if not os.path.exists(path):
            problems.append("%s: no report at %s" % (role, path))
            continue
        with open(path) as f:
            index = json.load(f)
        agent_results = next(iter(index.values()), {})
        results[role] = {case: [r["behavior"], r["behaviorClose"]] for case, r in agent_results.items()}

    for role, cases in sorted(results.items()):
        by_section = collections.defaultdict(collections.Counter)
        for case, (behavior, _) in cases.items():
            by_section[case.split(".")[0]][behavior] += 1
        columns = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
        print("\nAutobahn, %s role: %d cases" % (role, len(cases)))
        print("| section | " + " | ".join(columns) + " |")
        print("|---|" + "---|" * len(columns))
        total = collections.Counter()
        for section in sorted(by_section, key=int):
            counts = by_section[section]
            total.update(counts)
            print("| %s | " % section + " | ".join(str(counts[c]) for c in columns) + " |")
        print("| all | " + " | ".join(str(total[c]) for c in columns) + " |")
        for case in sorted(cases, key=case_key):
            behavior, close = cases[case]
            if behavior != "OK" or close != "OK":
                print("  %s %s: behavior %s, close %s" % (role, case, behavior, close))
            if behavior in BAD or close not in GOOD_CLOSE:
                problems.append("%s %s: behavior %s, close %s" % (role, case, behavior, close))
        want = expected.get(role, {})
        if not update:
            if len(cases) < len(want):
                problems.append("%s: %d cases ran, %d expected" % (role, len(cases), len(want)))
            for case in sorted(want, key=case_key):
                got = cases.get(case)
                if got is None:
                    problems.append("%s %s: did not run" % (role, case))
                elif got != want[case]:
                    problems.append("%s %s: %s/%s, expected %s/%s" % (role, case, got[0], got[1], want[case][0], want[case][1]))
            for case in sorted(set(cases) - set(want), key=case_key):
                problems.append("%s %s: not in expected-results.json (run with --update if intended)" % (role, case))

    if update and not problems:
        with open(EXPECTED, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
        print("\nwrote %s" % EXPECTED)
    if problems:
        print("\nAutobahn: %d problem(s):" % len(problems))
        for p in problems:
            print("  " + p)
        return 1
    print("\nAutobahn: all cases as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
