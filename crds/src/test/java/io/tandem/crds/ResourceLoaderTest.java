package io.tandem.crds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceLoaderTest {
  final ResourceLoader loader = new ResourceLoader();

  static Path fixture(String name) {
    try {
      return Path.of(ResourceLoaderTest.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void readsEveryDaprDocumentOfAFileAndSkipsForeignOnes() throws Exception {
    Resources r = loader.loadFile(fixture("two-components.yaml"));
    assertThat(r.components())
        .extracting(s -> s.resource().name())
        .containsExactly("statestore", "secrets");
    assertThat(r.others()).hasSize(1);
    assertThat(r.others().get(0).resource().path("kind").asText()).isEqualTo("Subscription");

    Component c = r.components().get(0).resource();
    assertThat(c.spec().type()).isEqualTo("state.redis");
    assertThat(c.spec().ignoreErrorsOrDefault()).isTrue();
    assertThat(c.spec().initTimeout()).isEqualTo("10s");
    assertThat(c.secretStoreOrNull()).isEqualTo("kubernetes");
    assertThat(c.isInScope("orders")).isTrue();
    assertThat(c.isInScope("billing")).isFalse();
    List<MetadataItem> md = c.spec().metadataOrEmpty();
    assertThat(md)
        .extracting(MetadataItem::valueAsText)
        .containsExactly("localhost:6379", "false", "3", null);
    assertThat(md.get(3).secretKeyRef()).isEqualTo(new SecretKeyRef("redis", "password"));

    Component unscoped = r.components().get(1).resource();
    assertThat(unscoped.isInScope("anyone")).isTrue();
    assertThat(unscoped.spec().versionOrDefault()).isEqualTo("v1");
  }

  @Test
  void loadingADirectoryStopsAtTheFirstBadFileAndNamesIt() throws Exception {
    Path dir = fixture("two-components.yaml").getParent();
    assertThatThrownBy(() -> loader.loadPaths(List.of(dir)))
        .isInstanceOf(ResourceLoadException.class)
        .hasMessageContaining("component-without-name.yaml");
  }

  @Test
  void malformedYamlNamesTheFile() {
    assertThatThrownBy(() -> loader.loadFile(fixture("malformed-yaml.yaml")))
        .isInstanceOf(ResourceLoadException.class)
        .hasMessageStartingWith(fixture("malformed-yaml.yaml").toString())
        .hasMessageContaining("malformed YAML");
  }

  @Test
  void componentsMustHaveANameAndAType() {
    assertThatThrownBy(() -> loader.loadFile(fixture("component-without-type.yaml")))
        .hasMessageContaining("Component typeless has no spec.type");
    assertThatThrownBy(() -> loader.loadFile(fixture("component-without-name.yaml")))
        .hasMessageContaining("has no metadata.name");
  }

  @Test
  void missingResourcesPathIsAnError() {
    assertThatThrownBy(() -> loader.loadPaths(List.of(Path.of("/no/such/dir"))))
        .hasMessageContaining("/no/such/dir")
        .hasMessageContaining("does not exist");
  }

  @Test
  void readsAConfiguration() throws Exception {
    Configuration c = loader.loadConfiguration(fixture("configuration.yaml"));
    assertThat(c.name()).isEqualTo("appconfig");
    assertThat(c.spec().path("features").get(0).path("name").asText()).isEqualTo("SomePreview");
    assertThatThrownBy(() -> loader.loadConfiguration(fixture("two-components.yaml")))
        .hasMessageContaining("expected exactly one dapr.io Configuration");
  }
}
