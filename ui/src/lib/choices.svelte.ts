// How what is dropped or picked next is transcribed: the Transcribe view's model and
// language choices (null: the engine's settings decide). Shared with the window-wide drop.
import type { TranscribeOptions } from './bindings';

class Choices {
  model: string | null = $state(null);
  language: string | null = $state(null);

  options(): TranscribeOptions {
    return {
      ...(this.model ? { model: this.model } : {}),
      ...(this.language ? { language: this.language } : {}),
    };
  }
}

export const choices = new Choices();
