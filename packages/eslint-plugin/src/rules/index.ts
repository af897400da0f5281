import { importGroups } from './import-groups.js';

/** Every rule of the plugin, by name (without the `@coder/` prefix). */
export const rules = {
  'import-groups': importGroups,
};
