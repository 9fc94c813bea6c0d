"""`make run` binds Rasa and the demo site to loopback unless CLINIC_BIND says otherwise."""
from __future__ import annotations

import re

from ops.settings import ROOT

RUN = (ROOT / "scripts" / "run.sh").read_text()


def test_run_sh_binds_rasa_and_the_site_to_loopback_by_default() -> None:
    assert 'bind="${CLINIC_BIND:-127.0.0.1}"' in RUN
    rasa = [line for line in RUN.splitlines() if re.search(r"rasa run (?!actions)", line)]
    assert rasa and all('--interface "$bind"' in line for line in rasa), rasa
    assert 'WIDGET_HOST="$bind"' in RUN
    assert "SANIC_HOST=127.0.0.1" in RUN
