// Compiled as part of the transaction module, which certz uses: certz's engine is above it.
#include "agent/certz/engine.h"
