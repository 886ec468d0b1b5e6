// Vite bundles the stylesheet that main.tsx imports; to TypeScript it is a module with nothing in it.
declare module '*.css';
