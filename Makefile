# The two commands of the README: `make demo` and `make test`. Each installs
# the Debian packages it needs (or prints the install line), configures,
# builds and runs. BUILD, JOBS and RANKS may be overridden.
BUILD ?= build
JOBS  ?= $(shell nproc)
RANKS ?= 2
CMAKE_FLAGS ?=

# Open MPI refuses to run as root and to oversubscribe cores unless told.
export OMPI_ALLOW_RUN_AS_ROOT = 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = 1
export OMPI_MCA_rmaps_base_oversubscribe = 1

.PHONY: all deps test-deps configure build demo test clean

all: build

deps:
	@cmake/deps.sh build

test-deps:
	@cmake/deps.sh test

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@jobs/demo.sh $(BUILD) $(RANKS)

test: test-deps configure
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

clean:
	rm -rf $(BUILD)
