#!/usr/bin/env python3
"""Real clients over a fresh `basis-log demo` run: tools we did not write must
read what basis-log writes.

1. Every jq and grep recipe of the logging guide ("Debugging Workflows" and
   "Log Querying Examples"), run verbatim through the shell, finds what it
   should (checked against the files read independently here).
2. Every JSONL file is read with pandas (`pd.read_json(lines=True)`) and
   DuckDB (`read_json`); every CSV with pandas and DuckDB; every Parquet file
   with pyarrow and DuckDB. Row counts match the JSONL; the CSV and Parquet
   columns are the JSONL records flattened (maps to `parent.key`, lists as
   JSON text in CSV) with the same values; column types agree (numbers are
   numbers, booleans booleans, times timestamps in Parquet).
3. Every line of every event file validates against `schemas/` with Python's
   `jsonschema` (draft 2020-12).
4. The dataset of a 5-run demo sweep (`demo --runs 5`) read by DuckDB and
   pyarrow.dataset: rows per event and run equal the JSONL, column types,
   a join of runs.parquet with one event table; an update with one run
   added, one changed and the rest unchanged; a run killed mid-write listed
   with its status.
5. `compare`: two runs of one seed have zero deltas; for two seeds the
   deltas equal those pandas computes from the two summaries.

Usage: real_clients.py --bin PATH/TO/basis-log --schemas PATH/TO/schemas [--workdir DIR]

Exit status: 0 passed, 1 failed, 77 skipped because a tool is missing (jq,
pandas, pyarrow, duckdb, jsonschema). With BASIS_REQUIRE_REAL_CLIENTS=1 (as in
CI) a missing tool is a failure instead.
"""

import argparse
import collections
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
CORRELATION_ID = "abc123"

failures = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)


def missing_tools():
    missing = []
    if shutil.which("jq") is None:
        missing.append("jq (apt-get install jq)")
    if shutil.which("grep") is None:
        missing.append("grep")
    for module in ["pandas", "pyarrow", "duckdb", "jsonschema"]:
        try:
            __import__(module)
        except ImportError:
            missing.append(f"python module {module} (pip install {module})")
    return missing


def shell(command, cwd):
    """Runs a guide recipe verbatim through bash; returns stdout."""
    result = subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, text=True
    )
    # grep exits 1 when nothing matches: that is a finding, checked by the caller.
    if result.returncode not in (0, 1):
        failures.append(f"`{command}` failed ({result.returncode}): {result.stderr}")
    return result.stdout


def json_stream(text):
    """Every JSON value of jq's (pretty) output."""
    decoder = json.JSONDecoder()
    values, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return values
        value, i = decoder.raw_decode(text, i)
        values.append(value)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def flatten(record, prefix=""):
    """The export's flattening: objects to `parent.key`, lists kept whole."""
    out = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def run_recipes(run_dir, events, logs_root):
    pid = os.path.basename(run_dir)
    root = os.path.dirname(logs_root)  # the directory that holds logs/

    def path(recipe):
        return recipe.replace("{correlation_id}", CORRELATION_ID).replace("{pid}", pid)

    ops = events["operation_executions.jsonl"]
    positions = events["positions.jsonl"]
    tight = events["tight_loop.jsonl"]

    # Find Failed Operations
    out = shell(path("jq 'select(.status == \"failed\")' logs/{correlation_id}/{pid}/events/operation_executions.jsonl"), root)
    found = json_stream(out)
    expected = [o for o in ops if o["status"] == "failed"]
    check(len(expected) >= 1, "the demo has failed operations")
    check(found == expected, f"jq failed-operations recipe found {len(found)}, expected {len(expected)}")

    out = shell(path("jq -r '.operation_type' logs/{correlation_id}/{pid}/events/operation_executions.jsonl | sort | uniq -c"), root)
    counts = {line.split()[1]: int(line.split()[0]) for line in out.strip().splitlines()}
    check(counts == dict(collections.Counter(o["operation_type"] for o in ops)), f"uniq -c by operation type: {counts}")

    # Trace Single Operation
    out = shell(path('grep "supply_001" logs/{correlation_id}/{pid}/events/*.jsonl'), root)
    hits = [line for line in out.splitlines() if line]
    expected = sum(json.dumps(e, separators=(",", ":")).count("supply_001") > 0 for evs in events.values() for e in evs)
    check(len(hits) == expected and expected >= 4, f"grep supply_001 found {len(hits)} lines, expected {expected}")
    check(any("operation_executions.jsonl:" in h for h in hits) and any("tight_loop.jsonl:" in h for h in hits),
          "grep supply_001 finds the operation and its tight loop")

    # Position History
    out = shell(path("jq '.positions[\"aave:aToken:aUSDT\"]' logs/{correlation_id}/{pid}/events/positions.jsonl"), root)
    values = json_stream(out)
    check(values == [p["positions"].get("aave:aToken:aUSDT") for p in positions] and len(values) > 0,
          "jq position history matches the snapshots")

    # Reconciliation Issues
    out = shell(path("jq 'select(.reconciliation_success == false)' logs/{correlation_id}/{pid}/events/tight_loop.jsonl"), root)
    found = json_stream(out)
    expected = [t for t in tight if t["reconciliation_success"] is False]
    check(len(expected) >= 1 and found == expected, f"jq reconciliation failures: {len(found)} vs {len(expected)}")

    # Log Querying Examples: run from the process directory.
    out = shell("jq 'select(.timestamp == \"2025-01-15T10:30:00\")' events/positions.jsonl", run_dir)
    found = json_stream(out)
    expected = [p for p in positions if p["timestamp"] == "2025-01-15T10:30:00"]
    check(len(expected) >= 1 and found == expected, f"jq positions at 2025-01-15T10:30:00: {len(found)}")

    out = shell("jq -r '[.timestamp, .total_value_usd] | @csv' events/positions.jsonl", run_dir)
    rows = list(csv.reader(io.StringIO(out)))
    check(len(rows) == len(positions) and all(float(r[1]) == p["total_value_usd"] for r, p in zip(rows, positions)),
          "jq @csv of total value over time")

    out = shell("jq 'select(.execution_duration_ms > 1000)' events/operation_executions.jsonl", run_dir)
    found = json_stream(out)
    expected = [o for o in ops if o["execution_duration_ms"] > 1000]
    check(len(expected) >= 1 and found == expected, "jq slow operations")

    out = shell("grep '\"operation_type\":\"supply\"' events/operation_executions.jsonl", run_dir)
    expected = [o for o in ops if o["operation_type"] == "supply"]
    check(len(out.splitlines()) == len(expected) >= 1, "grep supply operations")

    out = shell("grep '\"severity\":\"CRITICAL\"' *.log", run_dir)
    lines = [l for l in out.splitlines() if l]
    parsed = [json.loads(l.split(":", 1)[1]) if not l.startswith("{") else json.loads(l) for l in lines]
    check(len(parsed) >= 1 and all(p["severity"] == "CRITICAL" for p in parsed), "grep CRITICAL in component logs")

    out = shell(f'grep "{CORRELATION_ID}" events/*.jsonl', run_dir)
    total = sum(len(evs) for evs in events.values())
    check(len(out.splitlines()) == total, f"grep correlation id finds every event ({len(out.splitlines())} of {total})")


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return a == b


def read_tables(events, events_dir, results_dir):
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq
    import pyarrow.types as pat

    con = duckdb.connect()
    for file, records in sorted(events.items()):
        stem = file[: -len(".jsonl")]
        jsonl = os.path.join(events_dir, file)
        csv_path = os.path.join(results_dir, "csv", f"{stem}.csv")
        parquet_path = os.path.join(results_dir, "parquet", f"{stem}.parquet")
        n = len(records)

        # JSONL: pandas and DuckDB read it as it is.
        df = pd.read_json(jsonl, lines=True)
        check(len(df) == n, f"pandas read_json {file}: {len(df)} rows, expected {n}")
        count = con.execute(f"SELECT count(*) FROM read_json('{jsonl}', format='newline_delimited')").fetchone()[0]
        check(count == n, f"duckdb read_json {file}: {count} rows")

        flat = [flatten(r) for r in records]
        names = []
        for row in flat:
            for name in row:
                if name not in names:
                    names.append(name)

        # CSV: pandas and DuckDB; the flattened records, value for value.
        csv_df = pd.read_csv(csv_path, keep_default_na=False, na_values=[""])
        check(len(csv_df) == n, f"pandas read_csv {stem}.csv: {len(csv_df)} rows, expected {n}")
        # Every value has its column; the schema may name optional columns
        # that no line of this run fills (they stay empty).
        check(set(names) <= set(csv_df.columns), f"{stem}.csv columns {list(csv_df.columns)} vs {names}")
        for extra in set(csv_df.columns) - set(names):
            check(csv_df[extra].isna().all(), f"{stem}.csv column {extra} has no value in the JSONL yet is filled")
        count = con.execute(f"SELECT count(*) FROM read_csv('{csv_path}')").fetchone()[0]
        check(count == n, f"duckdb read_csv {stem}.csv: {count} rows")
        with open(csv_path, newline="", encoding="utf-8") as f:
            csv_rows = list(csv.DictReader(f))
        for i, (row, record) in enumerate(zip(csv_rows, flat)):
            for name in names:
                value = record.get(name)
                cell = row.get(name)
                if value is None:
                    ok = cell == ""
                elif isinstance(value, bool):
                    ok = cell == ("true" if value else "false")
                elif isinstance(value, (int, float)):
                    ok = same(float(cell), value)
                elif isinstance(value, list):
                    ok = json.loads(cell) == value
                else:
                    ok = cell == value
                if not ok:
                    check(False, f"{stem}.csv row {i + 1} column {name}: {cell!r} vs {value!r}")
                    break

        # Column types: numbers stay numbers, booleans booleans.
        for name in names:
            kinds = {type(r[name]).__name__ for r in flat if r.get(name) is not None}
            if kinds and kinds <= {"int", "float"}:
                check(pd.api.types.is_numeric_dtype(csv_df[name]), f"{stem}.csv {name} is numeric in pandas")
                if name in df.columns:
                    check(pd.api.types.is_numeric_dtype(df[name]), f"{file} {name} is numeric in pandas")
            elif kinds == {"bool"}:
                check(pd.api.types.is_bool_dtype(csv_df[name]), f"{stem}.csv {name} is boolean in pandas")

        # Parquet: pyarrow and DuckDB, typed columns; nested fields are
        # Parquet structs, maps and lists, value for value.
        table = pq.read_table(parquet_path)
        check(table.num_rows == n, f"pyarrow {stem}.parquet: {table.num_rows} rows, expected {n}")
        top = []
        for record in records:
            for name in record:
                if name not in top:
                    top.append(name)
        check(set(top) <= set(table.column_names), f"{stem}.parquet columns {table.column_names} vs {top}")
        check(not any("." in name for name in table.column_names), f"{stem}.parquet has no dotted column names")
        count = con.execute(f"SELECT count(*) FROM read_parquet('{parquet_path}')").fetchone()[0]
        check(count == n, f"duckdb read_parquet {stem}.parquet: {count} rows")
        duck_types = {
            row[0]: row[1]
            for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet_path}')").fetchall()
        }
        rows = table.to_pylist()
        for name in top:
            arrow_type = table.schema.field(name).type
            kinds = {type(r[name]).__name__ for r in records if r.get(name) is not None}
            if name in ("timestamp", "real_utc_time", "period_start", "period_end"):
                check(pat.is_timestamp(arrow_type) and arrow_type.tz == "UTC", f"{stem}.parquet {name} is a UTC timestamp ({arrow_type})")
                check(duck_types.get(name, "").startswith("TIMESTAMP"), f"duckdb sees {name} as {duck_types.get(name)}")
            elif kinds == {"bool"}:
                check(pat.is_boolean(arrow_type), f"{stem}.parquet {name} is boolean ({arrow_type})")
                check(duck_types.get(name) == "BOOLEAN", f"duckdb sees {name} as {duck_types.get(name)}")
            elif kinds and kinds <= {"int", "float"}:
                check(pat.is_integer(arrow_type) or pat.is_floating(arrow_type), f"{stem}.parquet {name} is numeric ({arrow_type})")
                check(duck_types.get(name) in ("BIGINT", "DOUBLE"), f"duckdb sees {name} as {duck_types.get(name)}")
            elif kinds == {"str"}:
                check(pat.is_string(arrow_type) or pat.is_large_string(arrow_type), f"{stem}.parquet {name} is a string ({arrow_type})")
            mismatched = [
                i for i, (row, record) in enumerate(zip(rows, records))
                if not same_nested(row.get(name), record.get(name))
            ]
            check(not mismatched, f"{stem}.parquet {name} values differ at rows {mismatched[:5]}: {rows[mismatched[0]].get(name) if mismatched else ''!r} vs {records[mismatched[0]].get(name) if mismatched else ''!r}")
        if stem == "positions":
            check(pat.is_map(table.schema.field("positions").type), "positions is a Parquet map")
            from_duck = [
                r[0] for r in con.execute(
                    f"SELECT positions['aave:aToken:aUSDT'] FROM read_parquet('{parquet_path}')"
                ).fetchall()
            ]
            from_jsonl = [r["positions"].get("aave:aToken:aUSDT") for r in records]
            check(all(same(a, b) for a, b in zip(from_duck, from_jsonl)), "duckdb reads a map key of positions.parquet")
        if stem == "pnl_calculations":
            check(pat.is_struct(table.schema.field("pnl_attribution").type), "pnl_attribution is a Parquet struct")


def same_nested(arrow_value, json_value):
    """Whether a value read back by pyarrow is the JSON value that was written."""
    import datetime

    if json_value is None:
        return arrow_value is None or arrow_value == [] or arrow_value == {}
    if isinstance(arrow_value, datetime.datetime):
        return arrow_value.replace(tzinfo=None).isoformat() == datetime.datetime.fromisoformat(json_value.replace("Z", "")).isoformat()
    if isinstance(json_value, dict):
        if isinstance(arrow_value, list):  # a map: key/value pairs
            arrow_value = dict(arrow_value)
        if not isinstance(arrow_value, dict):
            # A free-form value is its JSON text.
            return isinstance(arrow_value, str) and json.loads(arrow_value) == json_value
        keys = set(json_value) | {k for k, v in arrow_value.items() if v is not None}
        return all(same_nested(arrow_value.get(k), json_value.get(k)) for k in keys)
    if isinstance(json_value, list):
        if isinstance(arrow_value, str):
            return json.loads(arrow_value) == json_value
        return isinstance(arrow_value, list) and len(arrow_value) == len(json_value) and all(
            same_nested(a, b) for a, b in zip(arrow_value, json_value)
        )
    if isinstance(arrow_value, str) and not isinstance(json_value, str):
        return json.loads(arrow_value) == json_value
    return same(arrow_value, json_value)


def validate_schemas(events, schemas_dir):
    import jsonschema

    with open(os.path.join(schemas_dir, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    by_file = {entry["file"]: entry["schema"] for entry in index["events"].values()}
    for file, records in sorted(events.items()):
        check(file in by_file, f"{file} has a schema in schemas/index.json")
        if file not in by_file:
            continue
        with open(os.path.join(schemas_dir, by_file[file]), encoding="utf-8") as f:
            schema = json.load(f)
        validator = jsonschema.Draft202012Validator(schema)
        for i, record in enumerate(records):
            errors = list(validator.iter_errors(record))
            if errors:
                check(False, f"{file}:{i + 1}: {errors[0].message}")
                break
        else:
            check(True, file)
        # The schemas are closed: an unknown field is refused.
        if records:
            check(not validator.is_valid({**records[0], "unexpected": 1}), f"{file} schema is closed")


def run_json(command):
    """Runs a basis-log command with --json and returns its parsed output."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr}")
    return json.loads(result.stdout)


def jsonl_counts(results_dir):
    """Lines per event name in a results directory's JSONL copy of the logs."""
    summary = json.load(open(os.path.join(results_dir, "summary.json")))
    event_of = {f["file"]: f["event"] for f in summary["files"]}
    counts = collections.Counter()
    logs = os.path.join(results_dir, "logs")
    for pid in os.listdir(logs):
        events_dir = os.path.join(logs, pid, "events")
        for name in os.listdir(events_dir):
            if name.endswith(".jsonl"):
                with open(os.path.join(events_dir, name)) as f:
                    counts[event_of[name]] += sum(1 for line in f if line.strip())
    return counts


def dataset_counts(con, ds):
    """Rows per (event, run) as DuckDB reads the documented glob."""
    rows = con.execute(
        f"SELECT event, run, count(*) FROM read_parquet('{ds}/events/**/*.parquet', "
        "hive_partitioning = true, union_by_name = true) GROUP BY ALL"
    ).fetchall()
    return {(event, run): n for event, run, n in rows}


def kill_mid_write(bin_path, root):
    """A demo run killed with SIGKILL while it writes, then exported."""
    import signal
    import time
    logs = os.path.join(root, "killed-logs")
    process = subprocess.Popen(
        [bin_path, "demo", "--days", "3650", "--seed", "3", "--correlation-id", "killedrun",
         "--out", logs, "--results", os.path.join(root, "results")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    positions = None
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None:
        run_root = os.path.join(logs, "killedrun")
        if os.path.isdir(run_root):
            for pid in os.listdir(run_root):
                path = os.path.join(run_root, pid, "events", "positions.jsonl")
                if os.path.isfile(path) and os.path.getsize(path) > 20000:
                    positions = path
        if positions:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    check(positions is not None, "the long demo wrote positions before it was killed")
    export = subprocess.run(
        # A killed run is exported only when asked to take it as it is.
        [bin_path, "export", os.path.join(logs, "killedrun"), "--allow-running", "--results", os.path.join(root, "results")],
        capture_output=True, text=True,
    )
    check(export.returncode == 0, f"a killed run exports: {export.stderr}")


def check_dataset(bin_path, root):
    """The dataset of a 5-run sweep through DuckDB and pyarrow.dataset."""
    import duckdb
    import pyarrow as pa
    import pyarrow.dataset as pads

    results = os.path.join(root, "results")
    sweep = run_json([bin_path, "--json", "demo", "--runs", "5", "--seed-from", "11", "--days", "2",
                      "--out", os.path.join(root, "logs"), "--results", results])
    ds = os.path.join(results, "dataset")
    ids = [run["correlation_id"] for run in sweep["runs"]]
    check(len(ids) == 5, f"5 runs in the sweep, got {len(ids)}")
    con = duckdb.connect()
    counts = dataset_counts(con, ds)
    for run in sweep["runs"]:
        rid = run["correlation_id"]
        for event, n in jsonl_counts(run["export"]["results_dir"]).items():
            check(counts.get((event, rid)) == n,
                  f"dataset rows of {event} in {rid}: {counts.get((event, rid))}, JSONL {n}")
    check(len({run for _, run in counts}) == 5, "5 runs in the event partitions")

    # Column types as DuckDB reads one event table.
    types = dict(con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("
        f"'{ds}/events/event=PositionSnapshot/*/*.parquet', hive_partitioning = true))"
    ).fetchall())
    check(types.get("timestamp") == "TIMESTAMP WITH TIME ZONE", f"timestamp type {types.get('timestamp')}")
    check(types.get("total_value_usd") == "DOUBLE", f"total_value_usd type {types.get('total_value_usd')}")
    check(types.get("positions", "").startswith("MAP(VARCHAR, DOUBLE)"), f"positions type {types.get('positions')}")
    check("run" in types and "event" in types, f"hive columns in {sorted(types)}")

    # runs.parquet joined with one event table: positions per seed.
    joined = dict(con.execute(
        f"SELECT r.seed, count(*) FROM read_parquet('{ds}/runs.parquet') r "
        f"JOIN read_parquet('{ds}/events/event=PositionSnapshot/*/*.parquet', hive_partitioning = true) p "
        "ON p.run = r.correlation_id AND p.correlation_id = r.correlation_id GROUP BY r.seed"
    ).fetchall())
    for run in sweep["runs"]:
        expected = jsonl_counts(run["export"]["results_dir"])["PositionSnapshot"]
        check(joined.get(run["seed"]) == expected,
              f"join of runs.parquet: seed {run['seed']} has {joined.get(run['seed'])} positions, JSONL {expected}")

    # pyarrow.dataset over one event table and runs.parquet.
    table = pads.dataset(os.path.join(ds, "events", "event=PositionSnapshot"),
                         format="parquet", partitioning="hive").to_table()
    check(table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC"),
          f"pyarrow timestamp type {table.schema.field('timestamp').type}")
    check(table.schema.field("total_value_usd").type == pa.float64(), "pyarrow total_value_usd is double")
    per_run = collections.Counter(table.column("run").to_pylist())
    for run in sweep["runs"]:
        expected = jsonl_counts(run["export"]["results_dir"])["PositionSnapshot"]
        check(per_run[run["correlation_id"]] == expected, f"pyarrow rows of {run['correlation_id']}")
    runs = pads.dataset(os.path.join(ds, "runs.parquet"), format="parquet").to_table()
    check(runs.num_rows == 5, f"runs.parquet has {runs.num_rows} rows")
    check(runs.schema.field("seed").type == pa.int64(), "seed is int64")
    check(runs.schema.field("engine_start").type == pa.timestamp("us", tz="UTC"), "engine_start is a timestamp")
    check(pa.types.is_map(runs.schema.field("parameters").type), "parameters is a map")
    check(sorted(runs.column("seed").to_pylist()) == [11, 12, 13, 14, 15], "seeds 11..15")

    # Incremental: one added, one changed, the rest unchanged.
    added = run_json([bin_path, "--json", "demo", "--days", "3", "--seed", "99",
                      "--out", os.path.join(root, "logs"), "--results", results])
    changed = sweep["runs"][0]["export"]["results_dir"]
    shutil.copyfile(os.path.join(added["export"]["results_dir"], "parquet", "positions.parquet"),
                    os.path.join(changed, "parquet", "positions.parquet"))
    update = run_json([bin_path, "--json", "dataset", results, "--to", ds])
    change = {run["correlation_id"]: run["change"] for run in update["runs"]}
    check(change.get(added["correlation_id"]) == "added", f"new run: {change.get(added['correlation_id'])}")
    check(change.get(ids[0]) == "replaced", f"changed run: {change.get(ids[0])}")
    check(all(change.get(rid) == "unchanged" for rid in ids[1:]), f"unchanged runs: {change}")
    counts = dataset_counts(con, ds)
    check(counts.get(("PositionSnapshot", ids[0])) == jsonl_counts(added["export"]["results_dir"])["PositionSnapshot"],
          "the changed run's partition holds its new rows")

    # A run killed mid-write: listed with its status, not hidden.
    kill_mid_write(bin_path, root)
    run_json([bin_path, "--json", "dataset", results, "--to", ds])
    status = dict(con.execute(
        f"SELECT correlation_id, status FROM read_parquet('{ds}/runs.parquet')").fetchall())
    check(status.get("killedrun") == "running", f"the killed run's status: {status.get('killedrun')}")
    check(status.get(ids[1]) == "completed", "finished runs are completed")
    return sweep


def check_compare(bin_path, root, sweep):
    """compare: zero deltas for one seed; pandas' deltas for two."""
    import pandas as pd

    results = os.path.join(root, "results")
    first, second = sweep["runs"][1], sweep["runs"][2]
    again = run_json([bin_path, "--json", "demo", "--days", "2", "--seed", str(first["seed"]),
                      "--out", os.path.join(root, "logs"), "--results", results])
    same = run_json([bin_path, "--json", "compare", first["export"]["results_dir"], again["export"]["results_dir"]])
    deltas = same["deltas"][0]["deltas"]
    check(len(deltas) > 10 and all(v == 0 for v in deltas.values()), f"one seed, zero deltas: {deltas}")
    check(same["warnings"] == [], f"one seed, no warnings: {same['warnings']}")

    a, b = first["export"]["results_dir"], second["export"]["results_dir"]
    out = run_json([bin_path, "--json", "compare", a, b])
    deltas = out["deltas"][0]["deltas"]
    frame = pd.json_normalize([json.load(open(os.path.join(d, "summary.json"))) for d in (a, b)])
    expected = {
        "final_total_value_usd": "final_total_value_usd",
        "total_return": "total_return",
        "total_pnl_usd": "pnl.total_pnl_usd",
    }
    for column in frame.columns:
        for prefix, metric in [("pnl.attribution.", "pnl_attribution."), ("errors.by_severity.", "errors."),
                               ("operations.by_status.", "operations.status."), ("health_checks.", "health.")]:
            if column.startswith(prefix):
                expected[metric + column[len(prefix):]] = column
    for metric, column in expected.items():
        values = frame[column].fillna(0)
        want = float(values.iloc[1] - values.iloc[0])
        check(deltas.get(metric) == want, f"delta of {metric}: compare {deltas.get(metric)}, pandas {want}")
    check(any(v != 0 for v in deltas.values()), "two seeds differ somewhere")


def check_custom_run(bin_path, run_dir, results_dir):
    """A run of an engine's own events, written by a binary that links them
    and exported by a basis-log that does not: pandas, DuckDB and pyarrow
    read its CSV and Parquet value for value, and every line satisfies the
    schema the run's own catalog.json gives."""
    import jsonschema

    export = subprocess.run(
        [bin_path, "export", run_dir, "--to", results_dir],
        capture_output=True, text=True,
    )
    check(export.returncode == 0, f"the custom run exports: {export.stderr}")
    if export.returncode != 0:
        return
    with open(os.path.join(run_dir, "catalog.json"), encoding="utf-8") as f:
        catalog = json.load(f)
    custom = {e["file"]: e for e in catalog["events"] if e["name"] in ("FundingRateSnapshot", "FundingPayment")}
    check(len(custom) == 2, f"the run's catalog names both custom events: {sorted(custom)}")
    events_dir = os.path.join(run_dir, "events")
    events = {file: read_jsonl(os.path.join(events_dir, file)) for file in custom}
    check(all(len(records) > 0 for records in events.values()), "the custom files hold events")
    read_tables(events, events_dir, results_dir)
    for file, entry in custom.items():
        validator = jsonschema.Draft202012Validator(entry["schema"])
        bad = [i + 1 for i, record in enumerate(events[file]) if list(validator.iter_errors(record))]
        check(not bad, f"{file} lines {bad[:5]} break the run's own schema")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the basis-log binary")
    parser.add_argument("--schemas", required=True, help="the repository's schemas/ directory")
    parser.add_argument("--workdir", help="where to run the demo (a temp dir by default)")
    parser.add_argument("--custom-run", help="a run of an engine's own events (tests/external) to export and read")
    args = parser.parse_args()

    required = os.environ.get("BASIS_REQUIRE_REAL_CLIENTS") == "1"
    missing = missing_tools()
    if missing:
        message = "real clients missing: " + ", ".join(missing)
        if required:
            print(f"FAIL: {message} (BASIS_REQUIRE_REAL_CLIENTS=1)", file=sys.stderr)
            return 1
        print(f"SKIP: {message}; set BASIS_REQUIRE_REAL_CLIENTS=1 to make this a failure", file=sys.stderr)
        return SKIP

    workdir = args.workdir or tempfile.mkdtemp(prefix="basis-real-clients-")
    logs_root = os.path.join(workdir, "logs")
    result = subprocess.run(
        [args.bin, "demo", "--json", "--days", "2", "--seed", "7",
         "--correlation-id", CORRELATION_ID,
         "--out", logs_root, "--results", os.path.join(workdir, "results")],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        print(f"FAIL: demo failed: {result.stderr}", file=sys.stderr)
        return 1
    demo = json.loads(result.stdout)
    run_dir = demo["run_dir"]
    results_dir = demo["export"]["results_dir"]
    events_dir = os.path.join(run_dir, "events")
    events = {
        name: read_jsonl(os.path.join(events_dir, name))
        for name in sorted(os.listdir(events_dir))
        if name.endswith(".jsonl")
    }
    check(len(events) == 12, f"12 event files, found {len(events)}")

    run_recipes(run_dir, events, logs_root)
    read_tables(events, events_dir, results_dir)
    validate_schemas(events, args.schemas)
    if args.custom_run:
        check_custom_run(args.bin, args.custom_run, os.path.join(workdir, "custom-results"))
    sweep = check_dataset(args.bin, os.path.join(workdir, "many"))
    check_compare(args.bin, os.path.join(workdir, "many"), sweep)

    passed = checks - len(failures)
    print(f"real_clients: {passed} passed, {len(failures)} failed")
    if not args.workdir and not failures:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
