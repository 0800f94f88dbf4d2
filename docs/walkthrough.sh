#!/usr/bin/env bash
# The README's first walk-through, as one script: against a running `./platform/run` with its
# demo agency, a copywriter signs in, writes a brief and asks the assistant for drafts; the
# worker writes them; the people the brand's approval policy names approve one, step by step.
# Every step is a plain HTTP call anyone can repeat with curl.
#
#   docs/walkthrough.sh                      # the demo on http://127.0.0.1:8000
#   BRANDROOM_URL=http://host:port BRAND=<slug> USER_PREFIX=<prefix> PASSWORD=<password> \
#     docs/walkthrough.sh
# People sign in as users named after their role (with USER_PREFIX in front), as in the demo.
set -euo pipefail

BASE="${BRANDROOM_URL:-http://127.0.0.1:8000}"
BRAND="${BRAND:-northwind-coffee}"
PREFIX="${USER_PREFIX:-}"
WRITER="${PREFIX}copywriter"
PASSWORD="${PASSWORD:-brandroom-demo}"
API="$BASE/brands/$BRAND/api/v1"

# json FIELD: read a JSON body on stdin and print one field (a dotted path; [n] for lists).
json() { python3 -c 'import json,sys
value = json.load(sys.stdin)
for part in sys.argv[1].split("."):
    value = value[int(part)] if part.isdigit() else value[part]
print(value)' "$1"; }

# call METHOD URL TOKEN [JSON BODY]: one API call; stops the walk-through on an error answer.
call() {
  local answer status
  answer=$(curl -sS -w '\n%{http_code}' -X "$1" "$2" -H "Authorization: Token $3" \
    -H 'Content-Type: application/json' ${4:+--data "$4"})
  status="${answer##*$'\n'}"
  if [ "$status" -ge 400 ]; then
    echo "walkthrough: $1 $2 answered $status: ${answer%$'\n'*}" >&2
    exit 1
  fi
  printf '%s' "${answer%$'\n'*}"
}

# sign_in USERNAME: print a token for that person (POST /api/v1/auth/token/).
sign_in() {
  local answer
  answer=$(curl -sS -X POST "$BASE/api/v1/auth/token/" -d "username=$1" -d "password=$PASSWORD")
  printf '%s' "$answer" | json token 2>/dev/null \
    || { echo "walkthrough: signing in as $1 answered: $answer" >&2; exit 1; }
}

echo "1. Sign in as $WRITER and get a token"
WRITER_TOKEN=$(sign_in "$WRITER")

echo "2. Pick the brand's first channel"
CHANNEL=$(call GET "$API/channels/" "$WRITER_TOKEN" | json results.0.id)

echo "3. Write a brief"
BRIEF=$(call POST "$API/briefs/" "$WRITER_TOKEN" \
  "{\"title\": \"Winter blend launch\", \"key_message\": \"Our winter blend is back, roasted in small batches.\", \"channels\": [$CHANNEL]}" \
  | json id)
echo "   brief $BRIEF"

echo "4. Ask the assistant for two drafts (the worker writes them; one item to review)"
JOB=$(call POST "$API/briefs/$BRIEF/generate/" "$WRITER_TOKEN" '{"variants": 2}' | json id)
for _ in $(seq 1 60); do
  STATUS=$(call GET "$API/jobs/$JOB/" "$WRITER_TOKEN" | json status)
  [ "$STATUS" = succeeded ] || [ "$STATUS" = failed ] && break
  sleep 1
done
echo "   job $JOB: $STATUS"
[ "$STATUS" = succeeded ] || exit 1
DRAFT=$(call GET "$API/drafts/?job=$JOB&ordering=created_at" "$WRITER_TOKEN" | json results.0.id)
call GET "$API/drafts/$DRAFT/" "$WRITER_TOKEN" \
  | python3 -c 'import json,sys; d = json.load(sys.stdin)
print("   draft %s (%s, risk %s): %s" % (d["id"], d["status"], d["risk_score"], d["text"][:70]))'

echo "5. Each step of the draft's approval chain is decided by someone holding its role"
# Demo users are named after their role, so the step's first role names who signs in.
for _ in $(seq 1 5); do
  REQUEST=""
  for _ in $(seq 1 30); do  # the worker routes a ready draft to its approvers
    REQUEST=$(call GET "$API/approvals/requests/?subject_kind=post&subject_id=$DRAFT" \
      "$WRITER_TOKEN" | python3 -c 'import json,sys; r = json.load(sys.stdin)["results"]
print(r[0]["id"] if r else "")')
    [ -n "$REQUEST" ] && break
    sleep 1
  done
  [ -n "$REQUEST" ] || { echo "walkthrough: draft $DRAFT got no approval request" >&2; exit 1; }
  read -r STATUS STEP ROLE < <(call GET "$API/approvals/requests/$REQUEST/" "$WRITER_TOKEN" \
    | python3 -c 'import json,sys; r = json.load(sys.stdin)
open_steps = [s for s in r["steps"] if s["status"] == "open"]
print(r["status"], *((open_steps[0]["id"], open_steps[0]["roles"][0]) if open_steps else ("-", "-")))')
  echo "   request $REQUEST: $STATUS"
  [ "$STATUS" = open ] || break
  APPROVER_TOKEN=$(sign_in "$PREFIX$ROLE")
  # The job's two variants are one review item: approving names the one that goes out.
  call POST "$API/approvals/steps/$STEP/decision/" "$APPROVER_TOKEN" \
    "{\"decision\": \"approve\", \"variant_id\": $DRAFT, \"comment\": \"Lovely, ship it.\"}" \
    >/dev/null
  echo "   step $STEP approved by $ROLE"
done
echo "6. The draft is now: $(call GET "$API/drafts/$DRAFT/" "$WRITER_TOKEN" | json status)"
