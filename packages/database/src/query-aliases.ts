// Names the hand-written query module used before the generator replaced it,
// kept so code written against them keeps compiling. New code should use the
// generated `<Query>Params` names.
import type { GetExternalAuthLinkParams, GetUserLinkByUserIDLoginTypeParams } from './queries.gen.js';

/** Identifies one external auth link (same shape as every `…ExternalAuthLink` key parameter). */
export type ExternalAuthLinkKey = GetExternalAuthLinkParams;

/** Identifies one user link (same shape as every `…UserLink` key parameter). */
export type UserLinkKey = GetUserLinkByUserIDLoginTypeParams;
