# Sourced by scripts/heap-layout-runs and scripts/page-guard-tests: one run of a test binary,
# its output kept in a log and judged by exit status and a pattern of findings, and the Markdown
# table both print at the end.

test_table_rows=""

# test_run LABEL LOG FINDING-NAME FINDING-REGEX EXTRA-FUNCTION COMMAND [ARG...]
#   Runs COMMAND with its output in LOG and prints one line:
#   "LABEL: exit RC, N s; <XCTest's Executed line>; <EXTRA-FUNCTION's output>; FINDING-NAME: <line>"
#   (EXTRA-FUNCTION may be ""). Returns 1 when COMMAND failed, LOG has a line matching
#   FINDING-REGEX, or no test ran (a misspelt test name would otherwise pass as a clean run).
test_run() {
    local label=$1 log=$2 finding_name=$3 finding_regex=$4 extra_function=$5
    shift 5
    local begin rc finding summary extra=""
    begin=$(date +%s)
    "$@" > "$log" 2>&1
    rc=$?
    finding=$(grep -a -m1 -E "$finding_regex" "$log")
    summary=$(grep -a 'Executed' "$log" | tail -1 | sed 's/^[[:space:]]*//')
    [ -n "$extra_function" ] && extra=$("$extra_function")
    # No test ran: XCTest says so, or the binary ended well without a summary. (A crash before the
    # summary keeps its own finding and exit status.)
    if [ -z "$finding" ]; then
        case $rc:$summary in
            *:"Executed 0 tests"*|0:) finding="no test ran (is the test name right? --list-tests lists them)"; finding_name=FAILED ;;
        esac
    fi
    echo "$label: exit $rc, $(( $(date +%s) - begin )) s${summary:+; $summary}${extra:+; $extra}${finding:+; $finding_name: $finding}"
    [ $rc -eq 0 ] && [ -z "$finding" ]
}

# test_table_add CELL...   one row of the closing table
test_table_add() {
    local row="|" cell
    for cell in "$@"; do row+=" $cell |"; done
    test_table_rows+="$row"$'\n'
}

# test_table_print HEADING...   a blank line, the heading row, the separator and the rows added
test_table_print() {
    local heading="|" separator="|" cell
    for cell in "$@"; do heading+=" $cell |"; separator+="---|"; done
    echo
    echo "$heading"
    echo "$separator"
    printf '%s' "$test_table_rows"
}
