"""JUnit XML: one test suite per file, one failed test case per finding, for CI
systems that show test reports (GitLab, Jenkins, Azure)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional, TextIO

from lambdalint.report.context import Context
from lambdalint.report.diagnostics import Diagnostic
from lambdalint.report.inert import inert
from lambdalint.report.locations import one_based


def document(diagnostics: List[Diagnostic]) -> ET.Element:
    by_file: Dict[str, List[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.path, []).append(d)
    n = str(len(diagnostics))
    root = ET.Element("testsuites", name="lambdalint", tests=n, failures=n, errors="0")
    if not diagnostics:
        suite = ET.SubElement(root, "testsuite", name="lambdalint", tests="1", disabled="0", errors="0", failures="0")
        ET.SubElement(suite, "testcase", name="No findings", classname="lambdalint")
        root.set("tests", "1")
        return root
    for raw_path, found in by_file.items():
        # XML 1.0 has no way to write most control characters, even as &#...;:
        # the repository's text goes in escaped
        path = inert(raw_path)
        count = str(len(found))
        suite = ET.SubElement(root, "testsuite", name=path, tests=count, disabled="0", errors="0", failures=count,
                              package="lambdalint")
        classname = os.path.splitext(path)[0].replace(os.sep, "/").replace("/", ".")
        for d in found:
            row, col, _, _ = one_based(d.span)
            case = ET.SubElement(suite, "testcase", name=f"lambdalint.{d.code}", classname=classname,
                                 line=str(row), column=str(col))
            message = inert(d.message)
            failure = ET.SubElement(case, "failure", message=message, type=d.code)
            failure.text = f"{path}:{row}:{col}: {d.code} {message}"
    return root


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    tree = document(diagnostics)
    ET.indent(tree)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(tree, encoding="unicode"))
    out.write("\n")
