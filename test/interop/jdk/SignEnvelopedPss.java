/*
 * Signs an XML document's root element (a SAML Assertion, a samlp:AuthnRequest) with RSA-PSS
 * (http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1) using the JDK's own XML Signature API
 * (javax.xml.crypto, JSR 105): an implementation independent of xml-crypto, for interop tests
 * (xmlsec1 1.2, as Debian ships it, cannot make RSA-PSS XML signatures).
 *
 * Enveloped, exclusive canonicalisation, SHA-256 digest, one Reference to the root's ID, KeyInfo
 * with the certificate, placed right after the root's first child (its saml:Issuer).
 *
 * Usage: java SignEnvelopedPss.java <document.xml> <private-key.pkcs8.pem> <certificate.pem>
 * The signed document goes to standard output, without an XML declaration.
 */
import java.io.FileInputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public class SignEnvelopedPss {
  private static final String RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1";

  public static void main(String[] args) throws Exception {
    if (args.length != 3) throw new IllegalArgumentException("usage: SignEnvelopedPss <document.xml> <key.pem> <cert.pem>");
    DocumentBuilderFactory builders = DocumentBuilderFactory.newInstance();
    builders.setNamespaceAware(true);
    builders.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document document = builders.newDocumentBuilder().parse(Files.newInputStream(Path.of(args[0])));
    Element root = document.getDocumentElement();
    root.setIdAttributeNS(null, "ID", true);

    XMLSignatureFactory signatures = XMLSignatureFactory.getInstance("DOM");
    Reference reference = signatures.newReference(
        "#" + root.getAttribute("ID"),
        signatures.newDigestMethod(DigestMethod.SHA256, null),
        List.of(
            signatures.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null),
            signatures.newTransform(CanonicalizationMethod.EXCLUSIVE, (TransformParameterSpec) null)),
        null,
        null);
    SignedInfo signedInfo = signatures.newSignedInfo(
        signatures.newCanonicalizationMethod(CanonicalizationMethod.EXCLUSIVE, (C14NMethodParameterSpec) null),
        signatures.newSignatureMethod(RSA_PSS_SHA256, null),
        List.of(reference));

    X509Certificate certificate;
    try (FileInputStream in = new FileInputStream(args[2])) {
      certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyInfoFactory keyInfos = signatures.getKeyInfoFactory();
    KeyInfo keyInfo = keyInfos.newKeyInfo(List.of(keyInfos.newX509Data(List.of(certificate))));

    PrivateKey key = privateKey(Path.of(args[1]));
    Node afterIssuer = firstElement(root).getNextSibling();
    // With nothing after the Issuer, the signature is appended as the root's last child.
    DOMSignContext context = afterIssuer == null ? new DOMSignContext(key, root) : new DOMSignContext(key, root, afterIssuer);
    context.setDefaultNamespacePrefix("ds");
    signatures.newXMLSignature(signedInfo, keyInfo).sign(context);

    var transformer = TransformerFactory.newInstance().newTransformer();
    transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
    StringWriter out = new StringWriter();
    transformer.transform(new DOMSource(document), new StreamResult(out));
    System.out.print(out);
  }

  private static Element firstElement(Element parent) {
    for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child.getNodeType() == Node.ELEMENT_NODE) return (Element) child;
    }
    throw new IllegalArgumentException("the root element has no child element to place the signature after");
  }

  /** An unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), as `openssl req -nodes` writes it. */
  private static PrivateKey privateKey(Path file) throws Exception {
    String pem = Files.readString(file);
    String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }
}
