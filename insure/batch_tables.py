"""The progress of batch runs (insure.batch): one row per job, business day and pass."""

from __future__ import annotations

from piccolo.columns import Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class BatchRun(Table):
    run_key = Varchar(length=120, unique=True, index=True)  # "<job>:<business day>:<pass>"
    job = Varchar(length=60, index=True)
    business_day = Date()
    pass_no = Integer(default=0)  # 0: the day's scheduled run; 1, 2, …: extra passes started by "run now"
    status = Varchar(length=20, default="running", index=True)  # running | done | superseded
    last_id = Integer(default=0)  # the last id of the last committed chunk: a resumed run starts after it
    seen = Integer(default=0)
    done = Integer(default=0)
    skipped = Integer(default=0)
    failed = Integer(default=0)
    outcomes = Text(default="{}")  # JSON {outcome: count} of what the rows did (e.g. matured / expired)
    owner = Varchar(length=64, default="")  # the runner holding the run (a lease renewed at every chunk)
    started_at = Timestamptz()
    updated_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
