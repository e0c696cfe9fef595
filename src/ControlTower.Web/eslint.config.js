import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

// Lint for what the compiler does not catch: the React hooks rules (calls in order, complete effect dependencies).
export default tseslint.config(
  { ignores: ["node_modules"] },
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { parser: tseslint.parser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
    },
  },
);
