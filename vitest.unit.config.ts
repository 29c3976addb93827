// Unit tests only: no services, no global setup (used by helpers and for quick local runs).
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/unit/**/*.test.ts'] } });
