// A minimal JSON reader for the shared test vectors (no JSON library is reachable here).
// Objects become Map<String, Any?>, arrays List<Any?>, numbers Double, plus String/Boolean/null.
package app.vaora.jvmtest

class MiniJson(private val s: String) {
    private var i = 0

    companion object {
        fun parse(text: String): Any? = MiniJson(text).run { val v = value(); ws(); check(i == s.length) { "trailing JSON" }; v }
    }

    private fun ws() { while (i < s.length && s[i].isWhitespace()) i++ }

    private fun value(): Any? {
        ws()
        return when (val c = s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> { i += 4; true }
            'f' -> { i += 5; false }
            'n' -> { i += 4; null }
            else -> if (c == '-' || c.isDigit()) num() else throw AssertionFailed("bad JSON at $i")
        }
    }

    private fun obj(): Map<String, Any?> {
        val m = LinkedHashMap<String, Any?>()
        i++; ws()
        if (s[i] == '}') { i++; return m }
        while (true) {
            ws(); val k = str(); ws(); i++ // ':'
            m[k] = value(); ws()
            if (s[i++] == '}') return m
        }
    }

    private fun arr(): List<Any?> {
        val l = ArrayList<Any?>()
        i++; ws()
        if (s[i] == ']') { i++; return l }
        while (true) {
            l += value(); ws()
            if (s[i++] == ']') return l
        }
    }

    private fun num(): Double {
        val start = i
        while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
        return s.substring(start, i).toDouble()
    }

    private fun str(): String {
        val b = StringBuilder()
        i++ // opening quote
        while (true) {
            val c = s[i++]
            when (c) {
                '"' -> return b.toString()
                '\\' -> when (val e = s[i++]) {
                    'n' -> b.append('\n'); 't' -> b.append('\t'); 'r' -> b.append('\r')
                    'b' -> b.append('\b'); 'f' -> b.append('\u000c')
                    'u' -> { b.append(s.substring(i, i + 4).toInt(16).toChar()); i += 4 }
                    else -> b.append(e)
                }
                else -> b.append(c)
            }
        }
    }
}

/** Writes a parsed value back as JSON (to hand a vector's sub-object to Rust). */
fun toJson(v: Any?): String = when (v) {
    null -> "null"
    is String -> "\"" + v.flatMap {
        when (it) {
            '"' -> "\\\"".toList(); '\\' -> "\\\\".toList(); '\n' -> "\\n".toList()
            else -> if (it < ' ') "\\u%04x".format(it.code).toList() else listOf(it)
        }
    }.joinToString("") + "\""
    is Double -> if (v == Math.floor(v) && !v.isInfinite()) v.toLong().toString() else v.toString()
    is Boolean -> v.toString()
    is Map<*, *> -> v.entries.joinToString(",", "{", "}") { toJson(it.key as String) + ":" + toJson(it.value) }
    is List<*> -> v.joinToString(",", "[", "]") { toJson(it) }
    else -> throw AssertionFailed("cannot write $v")
}
