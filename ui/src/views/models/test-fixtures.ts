// Models as `models_list` gives them, for the Models and Folders views' tests.
import type { InstalledModel, ModelListing } from '../../lib/bindings';

/** A catalog model, not installed unless told. */
export function modelListing(name: string, fields: Partial<ModelListing> = {}): ModelListing {
  const installed = fields.installed ?? false;
  return {
    name,
    size_mib: 75,
    languages: name.includes('.en') ? 'english' : 'multilingual',
    installed,
    default: false,
    in_catalog: true,
    path: installed ? `/home/ada/.local/share/hookscribe/models/ggml-${name}.bin` : null,
    ...fields,
  };
}

/** What `models_download` and `models_import` resolve to. */
export function installedModel(name: string, fields: Partial<InstalledModel> = {}): InstalledModel {
  return {
    name,
    path: `/home/ada/.local/share/hookscribe/models/ggml-${name}.bin`,
    model_type: 'base',
    multilingual: !name.includes('.en'),
    weights: 'f16',
    bytes: 147_951_465,
    ...fields,
  };
}
