# Staff tools (docs/staff-guide.md): check edits before training, review what patients asked, add the
# examples staff approve, publish a trained model to the running assistant without stopping it.
.PHONY: check review add-examples publish interactive test-staff

# Every staff edit checked in seconds (YAML, content, project rules, red-flag phrases), then Rasa's own
# check of the training data (about 20 s). QUICK=1 skips Rasa's check.
check: setup
	@$(PY) -m tools.check $(if $(QUICK),--quick)

# What patients asked that the assistant could not answer well -> review/out/review-<date>.md and .yml.
# DAYS=30 (default) | SINCE=YYYY-MM-DD | ALL=1; THRESHOLD=0.6 (low-confidence limit).
review: setup
	@$(PY) -m tools.review $(if $(DAYS),--days $(DAYS)) $(if $(SINCE),--since $(SINCE)) $(if $(ALL),--all) \
	  $(if $(THRESHOLD),--threshold $(THRESHOLD))

# Adds the lines marked `add_to: <intent>` in a review file to data/nlu (refuses duplicates and
# held-out test phrases). DRY=1 only says what it would do.
add-examples: setup
	@test -n "$(FILE)" || { echo "Say which review file: make add-examples FILE=review/out/review-<date>.yml"; exit 1; }
	@$(PY) -m tools.add_examples "$(FILE)" $(if $(DRY),--dry-run)

# Puts the newest model in models/ (or MODEL=path) live on the running assistant (URL, default
# http://localhost:5005) through Rasa's model API; needs RASA_AUTH_TOKEN, as the server was started with.
publish: setup
	@$(PY) -m tools.publish $(MODEL) $(if $(URL),--url $(URL)) $(if $(SERVER_PATH),--server-path $(SERVER_PATH))

# Rasa's interactive learning with the newest model (port 5007); practice chats are not stored.
interactive: model
	@bash tools/interactive.sh

test-staff: model
	$(PY) -m pytest tests/staff -q

EXTRA_TESTS += test-staff

# Call-back requests patients left in the chat (docs/staff-guide.md): pending and failed by default.
# ALL=1 every status | HANDLED=<id> mark one handled | REQUEUE=<id> send a failed one again |
# REQUEUE_FAILED=1 send every failed one again.
.PHONY: callbacks
callbacks: setup
	@$(PY) -m tools.callbacks $(if $(ALL),--all) $(if $(HANDLED),--handled $(HANDLED)) \
	  $(if $(REQUEUE),--requeue $(REQUEUE)) $(if $(REQUEUE_FAILED),--requeue-failed)
