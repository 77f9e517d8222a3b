# kubernaut.testinfra: throwaway integration-test infrastructure for Go services.
#   make test-integration-datastorage   PostgreSQL + pgvector, then go test (bundled example by default)
#   make test-integration-ai            Redis, then go test
#   make test-integration-toolset       a Kubernetes cluster (Kind; CLUSTER=envtest for a bare API server)
#   make test-integration-gateway       a cluster with RBAC and a service-account token, plus Redis
#   make test-integration-all           every service at once (playbooks/all.yml), one table, failures counted
#   make test-integration-inprocess     a suite that starts envtest in-process, given KUBEBUILDER_ASSETS (envtest_assets)
#   make envtest-assets                 print a KUBEBUILDER_ASSETS directory (kube-apiserver, etcd, kubectl; cache or build)
#   make watch-datastorage              backends once, then the tests again on every save of a .go file; Ctrl-C removes all
#   make cleanup                        remove stale runs and your kept backends (never a live run; ARGS='-e testinfra_cleanup=all')
#   make prepare                        install and check Podman, runc, mmdebstrap, Python packages, Go (as go.mod needs)
#   make test                           the collection's own tests (lint, unit, integration)
# Extra ansible-playbook arguments pass through ARGS, e.g.
#   make test-integration-datastorage ARGS='-e testinfra_repo_dir=$HOME/src/kubernaut'
# and CLUSTER=kind|envtest|existing picks the Kubernetes backend (testinfra_cluster).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
ARGS ?=
CLUSTER ?=
PYTEST_ARGS ?=
CLUSTER ?=
BIN := $(VENV)/bin
STATE := .testinfra
LINK := $(STATE)/collections/ansible_collections/kubernaut/testinfra

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH):/usr/local/go/bin
export ANSIBLE_FORCE_COLOR ?= $(if $(CI),0,1)

SERVICES := datastorage ai toolset gateway inprocess
PLAYBOOK_ARGS = $(if $(CLUSTER),-e testinfra_cluster=$(CLUSTER)) $(ARGS)
.PHONY: help venv prepare FORCE $(addprefix test-integration-,$(SERVICES)) test-integration-all envtest-assets cleanup \
        lint unit integration test clean

help:
	@sed -n 's/^#   //p' Makefile

$(BIN)/.installed: requirements.txt
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "python3-venv is missing: apt-get install python3-venv" >&2; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(LINK):
	@mkdir -p $(dir $@) && ln -sfn ../../../.. $@

venv: $(BIN)/.installed $(LINK)

# Host preparation (idempotent) runs before the first test target and again whenever its role or module changes;
# `make prepare` always runs it. ARGS go along: -e testinfra_repo_dir=... makes it install the Go your module's go.mod
# needs (prepare_host_go_mod). A --check run leaves the stamp alone.
$(STATE)/prepared: $(BIN)/.installed $(LINK) playbooks/prepare_host.yml $(wildcard roles/prepare_host/*/*) \
                   $(wildcard plugins/*/go_toolchain.py) $(if $(filter prepare,$(MAKECMDGOALS)),FORCE)
	$(BIN)/ansible-playbook playbooks/prepare_host.yml $(ARGS)
	$(if $(filter --check -C,$(ARGS)),@:,@touch $@)

prepare: $(STATE)/prepared

FORCE:

$(addprefix test-integration-,$(SERVICES)): test-integration-%: prepare
	$(BIN)/ansible-playbook playbooks/$*.yml $(PLAYBOOK_ARGS)

# The watch loop (docs/watch.md): any service of testinfra_services, e.g. make watch-myservice ARGS='-e @my.yml'
# (a pattern rule: not .PHONY, which would skip it; FORCE instead).
watch-%: prepare FORCE
	$(BIN)/python playbooks/watch.py $* $(if $(wildcard playbooks/$*.yml),playbooks/$*.yml,playbooks/service.yml -e testinfra_service=$*) $(PLAYBOOK_ARGS)

test-integration-all: prepare
	$(BIN)/ansible-playbook playbooks/all.yml $(PLAYBOOK_ARGS)

# Only the directory goes to stdout (KUBEBUILDER_ASSETS=$$(make -s envtest-assets), like `setup-envtest use -p path`);
# Ansible's output goes to stderr when it fails.
envtest-assets: venv
	@out=$$(mktemp) && trap 'rm -f "$$out" "$$out.path"' EXIT && \
	  if ANSIBLE_FORCE_COLOR=0 $(BIN)/ansible-playbook playbooks/envtest_assets.yml -e envtest_assets_print_file="$$out.path" \
	       $(ARGS) >"$$out" 2>&1; then cat "$$out.path"; else cat "$$out" >&2; exit 1; fi

cleanup: venv
	$(BIN)/ansible-playbook playbooks/cleanup.yml $(ARGS)

lint: venv
	$(BIN)/ansible-lint --profile production

unit: venv
	$(BIN)/python -m pytest tests/unit -q $(PYTEST_ARGS)

integration: prepare
	$(BIN)/python -m pytest tests/integration -q $(PYTEST_ARGS)

test: prepare
	$(BIN)/ansible-lint --profile production
	$(BIN)/python -m pytest tests -q $(PYTEST_ARGS)

clean:
	rm -rf $(STATE) $(VENV)
