import java.io.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int t = Integer.parseInt(in.readLine().trim());
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < t; k++) {
            String s = in.readLine().trim();
            char[] stack = new char[s.length()];
            int top = 0;
            boolean ok = true;
            for (int i = 0; i < s.length() && ok; i++) {
                char c = s.charAt(i);
                if (c == '(' || c == '[' || c == '{') {
                    stack[top++] = c;
                } else {
                    char want = c == ')' ? '(' : c == ']' ? '[' : '{';
                    ok = top > 0 && stack[--top] == want;
                }
            }
            out.append(ok && top == 0 ? "YES\n" : "NO\n");
        }
        System.out.print(out);
    }
}
