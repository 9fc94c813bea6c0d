# The website chat widget (widget/) and its browser tests (tests/widget/), included by the Makefile.
#   make widget-deps   install Debian's Chromium if it is missing (Playwright's own download is not used)
#   make test-widget   the widget against the real assistant, in Chromium (part of `make test`)
#   make site          the demo clinic site alone on http://localhost:8080 (`make run` starts it too)

.PHONY: widget-deps test-widget site

EXTRA_TESTS += test-widget

CHROMIUM_PACKAGES := chromium fonts-liberation
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && echo sudo)

widget-deps:
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "widget-deps: $$(command -v chromium) is installed"; \
	else \
	  echo "widget-deps: installing $(CHROMIUM_PACKAGES) with apt-get"; \
	  $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(CHROMIUM_PACKAGES); \
	fi

test-widget: model widget-deps
	$(PY) -m pytest tests/widget -q

site: setup
	$(PY) widget/serve.py $${WIDGET_PORT:-8080}
