# The two commands: `make run` (the product on http://localhost:3000) and `make test`.
PORT ?= 3000

.PHONY: run test setup api demo demo-shared

run:
	scripts/setup.sh run
	PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" REFLEX_USE_SYSTEM_BUN=1 .venv/bin/hosho run --port $(PORT)

test:
	scripts/setup.sh test
	scripts/test.sh

setup:
	scripts/setup.sh test

api:
	scripts/setup.sh run
	.venv/bin/hosho api --port 8000

demo:
	scripts/setup.sh run
	.venv/bin/hosho demo

# D-Sure alone + two sureties (西日本 207 with the UI on :3000, 東日本 107), demo data in each (README "D-Sure, shared").
demo-shared:
	scripts/setup.sh run
	scripts/demo-shared.sh

# Benchmarks (bench/, figures in bench/RESULTS.md) and reliability drills (tests/drills/).
.PHONY: bench bench-dsure bench-list bench-pdf bench-page bench-scale bench-ten-years bench-lighthouse drills soak

bench: bench-dsure bench-list bench-pdf bench-scale bench-page

bench-dsure:
	scripts/setup.sh test
	.venv/bin/python bench/dsure_verify.py

bench-list:
	scripts/setup.sh test
	.venv/bin/python bench/certificate_list.py

bench-pdf:
	scripts/setup.sh test
	.venv/bin/python bench/pdf.py

bench-page:
	scripts/setup.sh test
	PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" REFLEX_USE_SYSTEM_BUN=1 .venv/bin/python bench/dsure_page.py

bench-lighthouse:
	scripts/setup.sh bench
	PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" REFLEX_USE_SYSTEM_BUN=1 .venv/bin/python bench/lighthouse.py

bench-scale:
	scripts/setup.sh test
	.venv/bin/python bench/scale_out.py

bench-ten-years:
	scripts/setup.sh test
	.venv/bin/python bench/ten_years.py

drills:
	scripts/setup.sh test
	.venv/bin/python -m pytest -q tests/drills

soak:
	scripts/setup.sh test
	HOSHO_DRILL_LONG=1 .venv/bin/python -m pytest -q -s tests/drills/test_soak.py
