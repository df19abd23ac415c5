# The two commands: `make run` (the product on http://localhost:3000) and `make test`.
PORT ?= 3000

.PHONY: run test setup api demo

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
