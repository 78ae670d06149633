#!/usr/bin/env bash
# `npm run migration:generate -- Name`: writes libs/persistence/src/migrations/<timestamp>-Name.ts from the
# difference between the entities and the migrated database. Review it, then add it to migrations/index.ts.
source "$(dirname "$0")/lib.sh"
name="${1:?usage: npm run migration:generate -- WhatChanged}"
npm run --silent build
node dist/libs/persistence/src/cli/migrate.js run
npx typeorm migration:generate -d dist/libs/persistence/src/data-source.js "libs/persistence/src/migrations/$name"
# The CLI writes compiled-style output next to the sources; keep it TypeScript.
say "now add the new class to libs/persistence/src/migrations/index.ts"
