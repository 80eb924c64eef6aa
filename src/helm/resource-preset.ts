import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/** The value of `resourcesPreset` that keeps the resources the app sets (the engine's defaults unless it sets them). */
export const DEFAULT_PRESET_NAME = 'default';

/**
 * Container resources by name, for the `resourcesPreset` value of each workload of a `HelmChart`: the chart offers
 * the presets as an enum, and a workload built with one gets those requests and limits, and every setting derived from
 * the memory limit (heap, caches, quotas) computed from them, as if the app had set them.
 *
 * The built-in presets are Bitnami's (`nano` ... `2xlarge`), so a Bitnami chart user finds the names and sizes they
 * know (bitnami/charts `bitnami/common/templates/_resources.tpl`, commit 01e4f0ea): limits are the requests plus 50%,
 * except the CPU limits of `xlarge` and `2xlarge`. Bitnami's presets also request 50Mi of ephemeral storage (limit
 * 1Gi); these leave ephemeral storage unset, since cdk8s-plus-27 writes it in whole GiB only.
 */
export class HelmResourcePreset {
  /** Requests 100m CPU, 128Mi memory; limits 150m, 192Mi. */
  public static readonly NANO = HelmResourcePreset.bitnami('nano', 100, 128, 150, 192);
  /** Requests 250m CPU, 256Mi memory; limits 375m, 384Mi. */
  public static readonly MICRO = HelmResourcePreset.bitnami('micro', 250, 256, 375, 384);
  /** Requests 500m CPU, 512Mi memory; limits 750m, 768Mi. */
  public static readonly SMALL = HelmResourcePreset.bitnami('small', 500, 512, 750, 768);
  /** Requests 500m CPU, 1Gi memory; limits 750m, 1536Mi. */
  public static readonly MEDIUM = HelmResourcePreset.bitnami('medium', 500, 1024, 750, 1536);
  /** Requests 1 CPU, 2Gi memory; limits 1.5 CPU, 3Gi. */
  public static readonly LARGE = HelmResourcePreset.bitnami('large', 1000, 2048, 1500, 3072);
  /** Requests 1.5 CPU, 4Gi memory; limits 3 CPU, 6Gi. */
  public static readonly XLARGE = HelmResourcePreset.bitnami('xlarge', 1500, 4096, 3000, 6144);
  /** Requests 1.5 CPU, 4Gi memory; limits 6 CPU, 12Gi. */
  public static readonly XXLARGE = HelmResourcePreset.bitnami('2xlarge', 1500, 4096, 6000, 12288);

  /** Bitnami's seven presets, smallest first. */
  public static bitnamiPresets(): HelmResourcePreset[] {
    return [HelmResourcePreset.NANO, HelmResourcePreset.MICRO, HelmResourcePreset.SMALL, HelmResourcePreset.MEDIUM,
      HelmResourcePreset.LARGE, HelmResourcePreset.XLARGE, HelmResourcePreset.XXLARGE];
  }

  /**
   * A preset of your own.
   *
   * @param name the value users set: lowercase letters, digits and '-', not 'default'
   * @param resources the container's requests and limits (a memory limit, for engines that size themselves from it)
   */
  public static custom(name: string, resources: kplus.ContainerResources): HelmResourcePreset {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) || name === DEFAULT_PRESET_NAME) {
      throw new Error(`resource preset name '${name}' is not valid: use lowercase letters, digits and '-' (e.g. 'huge'), and not `
        + `'${DEFAULT_PRESET_NAME}', which keeps the app's own resources`);
    }
    return new HelmResourcePreset(name, resources);
  }

  private static bitnami(name: string, cpuRequest: number, memoryRequest: number, cpuLimit: number, memoryLimit: number): HelmResourcePreset {
    return new HelmResourcePreset(name, {
      cpu: { request: kplus.Cpu.millis(cpuRequest), limit: kplus.Cpu.millis(cpuLimit) },
      memory: { request: Size.mebibytes(memoryRequest), limit: Size.mebibytes(memoryLimit) },
    });
  }

  private constructor(
    /** The value of `resourcesPreset`. */
    public readonly name: string,
    /** The container's requests and limits. */
    public readonly resources: kplus.ContainerResources) {}
}
