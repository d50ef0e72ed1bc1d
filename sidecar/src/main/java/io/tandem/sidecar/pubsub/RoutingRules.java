package io.tandem.sidecar.pubsub;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.NullValue;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A subscription's routes: rules tried in order, each a CEL {@code match} over the CloudEvent and a
 * path, then the default path. As in Dapr the expression sees one variable, {@code event}: the
 * CloudEvent as a map ({@code event.type}, {@code event.source}, {@code event.data.price}...), JSON
 * numbers being CEL ints when integral and doubles otherwise, compared across kinds.
 */
public final class RoutingRules {
  private static final CelOptions OPTIONS =
      CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setOptions(OPTIONS)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("event", MapType.create(SimpleType.STRING, SimpleType.DYN))
          .build();
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

  /**
   * One rule. {@code match} is empty for the default route, which always matches.
   *
   * @param program the compiled {@code match}, or null when it is empty
   */
  public record Rule(String match, String path, CelRuntime.Program program) {}

  /** A {@code match} that does not compile, or whose result is not a boolean. */
  public static final class InvalidRuleException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidRuleException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** An expression that failed at evaluation (a missing field, a type mismatch). */
  public static final class EvaluationException extends Exception {
    private static final long serialVersionUID = 1L;

    EvaluationException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final List<Rule> rules;

  private RoutingRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * Compiles {@code rules} (match, path) and appends {@code defaultRoute} when it is not empty.
   *
   * @throws InvalidRuleException naming the expression that does not compile
   */
  public static RoutingRules compile(List<Map.Entry<String, String>> rules, String defaultRoute) {
    List<Rule> out = new ArrayList<>();
    for (Map.Entry<String, String> r : rules) {
      String match = r.getKey() == null ? "" : r.getKey().trim();
      out.add(new Rule(match, r.getValue() == null ? "" : r.getValue(), program(match)));
    }
    if (defaultRoute != null && !defaultRoute.isEmpty()) {
      out.add(new Rule("", defaultRoute, null));
    }
    return new RoutingRules(out);
  }

  /** A single route that takes every event. */
  public static RoutingRules single(String path) {
    return new RoutingRules(List.of(new Rule("", path, null)));
  }

  public List<Rule> rules() {
    return rules;
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /**
   * The path of the first rule {@code cloudEvent} matches; empty when none does.
   *
   * @throws EvaluationException when a rule tried cannot be evaluated against this event
   */
  public Optional<String> route(JsonNode cloudEvent) throws EvaluationException {
    Map<String, Object> vars = null;
    for (Rule r : rules) {
      if (r.program() == null) {
        return Optional.of(r.path());
      }
      if (vars == null) {
        vars = Map.of("event", celValue(cloudEvent));
      }
      Object result;
      try {
        result = r.program().eval(vars);
      } catch (CelEvaluationException | RuntimeException e) {
        throw new EvaluationException("cannot evaluate '" + r.match() + "': " + e.getMessage(), e);
      }
      if (!(result instanceof Boolean b)) {
        throw new EvaluationException(
            "the result of match expression '" + r.match() + "' was not a boolean", null);
      }
      if (b) {
        return Optional.of(r.path());
      }
    }
    return Optional.empty();
  }

  private static CelRuntime.Program program(String match) {
    if (match.isEmpty()) {
      return null;
    }
    try {
      CelAbstractSyntaxTree ast = COMPILER.compile(match).getAst();
      CelKind kind = ast.getResultType().kind();
      if (kind != CelKind.BOOL && kind != CelKind.DYN && kind != CelKind.ANY) {
        throw new InvalidRuleException(
            "match expression '" + match + "' is not a boolean but " + ast.getResultType().name(),
            null);
      }
      return RUNTIME.createProgram(ast);
    } catch (CelValidationException e) {
      throw new InvalidRuleException(
          "match expression '" + match + "' does not compile: " + e.getMessage(), e);
    } catch (CelEvaluationException e) {
      throw new InvalidRuleException(
          "match expression '" + match + "' cannot be planned: " + e.getMessage(), e);
    }
  }

  /** A JSON value as CEL sees it: maps, lists, strings, booleans, ints, doubles, null. */
  static Object celValue(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return NullValue.NULL_VALUE;
    }
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> f = it.next();
        m.put(f.getKey(), celValue(f.getValue()));
      }
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(x -> l.add(celValue(x)));
      return l;
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.longValue() : (Object) n.doubleValue();
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isBinary()) {
      return n.asText();
    }
    return n.asText();
  }
}
