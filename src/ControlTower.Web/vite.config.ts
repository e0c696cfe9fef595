import { defineConfig } from "vite";

// The Server serves the build from its wwwroot; the dev server proxies the API to a local Server.
export default defineConfig({
  build: {
    outDir: "../ControlTower.Server/wwwroot",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      // @xyflow/react marks itself "use client" for server-component frameworks; meaningless in a plain SPA.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  esbuild: { jsx: "automatic" },
  server: {
    proxy: {
      "/api": { target: "http://localhost:5080", changeOrigin: false },
      "/health": "http://localhost:5080",
    },
  },
});
