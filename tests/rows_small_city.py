"""A small 厦门市 shared by hand-built fixtures: 3 districts, 5 townships, with
populations; data as of 2026-11-15."""

REGIONS = [
    dict(code="350200", name="厦门市", level="city", parent_code=None, population=50000),
    dict(code="350203", name="思明区", level="district", parent_code="350200", population=30000),
    dict(code="350206", name="湖里区", level="district", parent_code="350200", population=15000),
    dict(code="350211", name="集美区", level="district", parent_code="350200", population=5000),
    dict(code="350203001", name="厦港街道", level="township", parent_code="350203", population=10000),
    dict(code="350203002", name="鹭江街道", level="township", parent_code="350203", population=20000),
    dict(code="350206001", name="湖里街道", level="township", parent_code="350206", population=5000),
    dict(code="350206002", name="殿前街道", level="township", parent_code="350206", population=10000),
    dict(code="350211001", name="集美街道", level="township", parent_code="350211", population=5000),
]
META = [dict(key="data_as_of", value="2026-11-15"), dict(key="source_note", value="demo")]
