/**
 * A bad setting of a Docker plugin — one of bgplb's environment variables, one of bgpipe-l3's
 * options. The message starts with the setting's name, as the operator wrote it, and the plugin
 * has opened nothing yet: the executable says it and exits 2.
 */
export class SettingError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = new.target.name;
  }
}
