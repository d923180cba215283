"""The information-processing fee read from section 六."""

from __future__ import annotations

import dataclasses

import pytest

from dagster_project.govreport.fees import FeeInfo, extract


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("五、存在的主要问题及改进情况\n无。", (False, None, None, None)),
        ("六、其他需要报告的事项\n本年度未收取信息处理费。", (True, False, None, "本年度未收取信息处理费")),
        (
            "六、其他需要报告的事项\n本年度收取信息处理费1.5万元。",
            (True, True, 15000.0, "本年度收取信息处理费1.5万元"),
        ),
    ],
)
def test_extract(text: str, expected: tuple) -> None:
    assert dataclasses.astuple(extract(text)) == expected


def test_to_json_has_every_field() -> None:
    info = FeeInfo(True, True, 20.0, "收取信息处理费20元")
    assert info.to_json() == dataclasses.asdict(info)
